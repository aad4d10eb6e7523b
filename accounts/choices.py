from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_STAFF = "district_staff", _("District staff")
    PROVINCIAL_OFFICER = "provincial_officer", _("Provincial officer")
    PROVINCIAL_ADMIN = "provincial_admin", _("Provincial admin")
    DEPARTMENT_VIEWER = "department_viewer", _("Department viewer")
    SYSTEM_ADMIN = "system_admin", _("System admin")


PROVINCIAL_ROLES = {Role.PROVINCIAL_OFFICER, Role.PROVINCIAL_ADMIN}
# Roles that may change domain data inside their area.
WRITER_ROLES = {Role.DISTRICT_STAFF, *PROVINCIAL_ROLES, Role.SYSTEM_ADMIN}
