from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .notices import count_at_login

        user_logged_in.connect(count_at_login, dispatch_uid="reports-notice-count")
