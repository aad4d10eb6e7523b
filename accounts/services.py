"""Managing user accounts inside the manager's own province."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.context import attributed
from villages.models import District, Province

from .choices import Role
from .models import User


def assignable_roles(manager) -> list[Role]:
    if manager.is_superuser or manager.role == Role.SYSTEM_ADMIN:
        return list(Role)
    if manager.role == Role.PROVINCIAL_ADMIN:
        return [Role.DISTRICT_STAFF, Role.PROVINCIAL_OFFICER, Role.PROVINCIAL_ADMIN]
    return []


def _check(manager, *, role, province: Province | None, district: District | None):
    if not manager.manages_users:
        raise PermissionDenied
    if role not in assignable_roles(manager):
        raise ValidationError({"role": _("You may not give this role.")})
    if (
        district is not None
        and not District.objects.visible_to(manager).filter(pk=district.pk).exists()
    ):
        raise ValidationError({"district": _("This district is outside your area.")})
    if (
        province is not None
        and not Province.objects.visible_to(manager).filter(pk=province.pk).exists()
    ):
        raise ValidationError({"province": _("This province is outside your area.")})


@attributed
def user_unlock(*, manager, user: User) -> int:
    """Forget the user's failed log-ins (django-axes). Returns how many lockouts were cleared."""
    from axes.utils import reset

    if not User.objects.visible_to(manager).filter(pk=user.pk).exists():
        raise PermissionDenied
    return reset(username=user.username)


@attributed
@transaction.atomic
def user_save(*, manager, user: User, password: str | None = None) -> User:
    """Create or update ``user`` after checking the manager may place it in that area and role."""
    if manager.role == Role.PROVINCIAL_ADMIN and not manager.is_superuser:
        user.province_id = manager.province_id
    _check(manager, role=user.role, province=user.province, district=user.district)
    if user.pk and not User.objects.visible_to(manager).filter(pk=user.pk).exists():
        raise PermissionDenied
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user
