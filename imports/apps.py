from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Import and export")

    def ready(self):
        # Each app's resources.py registers its import resources.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("resources")
