from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save

        from .cycle import calendar_changed
        from .models import CalendarRule, Holiday
        from .notices import count_at_login

        user_logged_in.connect(count_at_login, dispatch_uid="reports-notice-count")
        # Cached due and lock dates go stale when a calendar rule or a holiday changes.
        for model in (CalendarRule, Holiday):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    calendar_changed, sender=model, dispatch_uid=f"{model.__name__}-{name}"
                )
