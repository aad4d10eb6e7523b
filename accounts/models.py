"""Users and their area of responsibility."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaQuerySet

from .choices import PROVINCIAL_ROLES, WRITER_ROLES, Role


class UserQuerySet(AreaQuerySet):
    area_lookups = {"province": "province", "district": "district"}


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


@register(exclude=("password", "last_login"))
class User(AbstractUser):
    """A staff member. The role and the province/district fix what the user may see and change."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    province = models.ForeignKey(
        "villages.Province",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    district = models.ForeignKey(
        "villages.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def clean(self):
        super().clean()
        if self.role == Role.DISTRICT_STAFF and not self.district_id:
            raise ValidationError({"district": _("District staff must belong to a district.")})
        if self.role in PROVINCIAL_ROLES and not self.province_id:
            raise ValidationError({"province": _("Provincial staff must belong to a province.")})
        if self.district_id and self.province_id and self.district.province_id != self.province_id:
            raise ValidationError({"district": _("The district is not in the chosen province.")})

    def save(self, *args, **kwargs):
        # Keep the province in step with the district so scoping can always use the province.
        if self.district_id:
            self.province_id = self.district_id[:2]
        if self.role in (Role.DEPARTMENT_VIEWER, Role.SYSTEM_ADMIN):
            self.province_id = self.district_id = None
        if self.role in PROVINCIAL_ROLES:
            self.district_id = None
        super().save(*args, **kwargs)

    @property
    def can_write(self) -> bool:
        return self.is_active and (self.role in WRITER_ROLES or self.is_superuser)

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in (Role.DEPARTMENT_VIEWER, Role.SYSTEM_ADMIN)

    @property
    def manages_users(self) -> bool:
        return self.is_superuser or self.role in (Role.PROVINCIAL_ADMIN, Role.SYSTEM_ADMIN)

    @property
    def area_name(self) -> str:
        if self.district_id:
            return f"{self.district.name_th} {self.district.province.name_th}"
        if self.province_id:
            return str(self.province.name_th)
        return str(_("Whole country"))
