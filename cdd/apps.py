from django.apps import AppConfig


class CddConfig(AppConfig):
    name = "cdd"
    verbose_name = "CDD"
