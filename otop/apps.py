from django.apps import AppConfig


class OtopConfig(AppConfig):
    name = "otop"
