"""Thai national ID checks and masking."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def national_id_is_valid(value: str) -> bool:
    """13 digits whose last digit is the mod-11 checksum of the first 12."""
    if len(value) != 13 or not value.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:12], range(13, 1, -1), strict=True))
    return (11 - total % 11) % 10 == int(value[12])


def validate_national_id(value: str):
    if value and not national_id_is_valid(value):
        raise ValidationError(
            _("National ID %(value)s is not valid (13 digits with a correct check digit)."),
            params={"value": value},
            code="national_id",
        )


def mask_national_id(value: str) -> str:
    """x-xxxx-xxxxx-12-3: only the last three digits stay readable."""
    if not value:
        return ""
    return f"x-xxxx-xxxxx-{value[10:12]}-{value[12]}"
