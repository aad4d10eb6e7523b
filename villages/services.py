"""Writes to the geography: loading official areas and managing villages."""

import geothai
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.context import acting, attributed
from audit.registry import snapshot
from audit.services import record_bulk

from .models import District, Province, Subdistrict, Village


def _sync(model, rows, fields):
    """Create or update ``rows`` (dicts keyed by field, with "code") without touching others.

    Returns (created, updated). Links that users made to these areas stay, since codes are keys.
    """
    existing = model.objects.in_bulk([r["code"] for r in rows])
    to_create, to_update, changes = [], [], []
    for row in rows:
        obj = existing.get(row["code"])
        if obj is None:
            obj = model(**row)
            to_create.append(obj)
            changes.append(("create", obj, None))
        elif any(getattr(obj, f) != row[f] for f in fields):
            before = snapshot(obj)
            for f in fields:
                setattr(obj, f, row[f])
            to_update.append(obj)
            changes.append(("update", obj, before))
    model.objects.bulk_create(to_create, batch_size=2000)
    model.objects.bulk_update(to_update, fields, batch_size=2000)
    record_bulk(model, changes)
    return len(to_create), len(to_update)


@transaction.atomic
def load_geography(*, province_code: str | None = None) -> dict:
    """Load provinces, districts and subdistricts from the ``geothai`` package.

    Safe to re-run: existing rows are updated in place, nothing is duplicated or deleted.
    """
    provinces = geothai.provinces()
    if province_code:
        provinces = [p for p in provinces if p.code == province_code]
        if not provinces:
            raise ValueError(_("Unknown province code %(code)s") % {"code": province_code})
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    counts = {}
    with acting(source="command"):
        counts["provinces"] = _sync(
            Province,
            [{"code": p.code, "name_th": p.name_th, "name_en": p.name_en} for p in provinces],
            ["name_th", "name_en"],
        )
        counts["districts"] = _sync(
            District,
            [
                {
                    "code": d.code,
                    "name_th": d.name_th,
                    "name_en": d.name_en,
                    "province_id": d.province_code,
                }
                for d in districts
            ],
            ["name_th", "name_en", "province_id"],
        )
        counts["subdistricts"] = _sync(
            Subdistrict,
            [
                {
                    "code": s.code,
                    "name_th": s.name_th,
                    "name_en": s.name_en,
                    "district_id": s.district_code,
                    "postal_codes": " ".join(s.postal_codes),
                }
                for s in subdistricts
            ],
            ["name_th", "name_en", "district_id", "postal_codes"],
        )
    return counts


def village_code(subdistrict_code: str, moo: int) -> str:
    return f"{subdistrict_code}{int(moo):02d}"


@attributed
@transaction.atomic
def village_create(*, user, subdistrict: Subdistrict, moo: int, name: str, kind: str) -> Village:
    """Add a village to a subdistrict the user may edit."""
    if not Subdistrict.objects.editable_by(user).filter(pk=subdistrict.pk).exists():
        raise ValidationError({"subdistrict": _("You may not add villages in this subdistrict.")})
    if not 1 <= int(moo) <= 99:
        raise ValidationError({"moo": _("Village number must be between 1 and 99.")})
    code = village_code(subdistrict.code, moo)
    if Village.objects.filter(code=code).exists():
        raise ValidationError({"moo": _("Village code %(code)s already exists.") % {"code": code}})
    village = Village(code=code, subdistrict=subdistrict, name=name.strip(), kind=kind)
    village.full_clean()
    village.save()
    return village


@attributed
@transaction.atomic
def village_update(*, user, village: Village, name: str, kind: str) -> Village:
    """Rename a village or change its kind. The code is its identity and does not change."""
    village = Village.objects.editable_by(user).select_for_update().get(pk=village.pk)
    village.name, village.kind = name.strip(), kind
    village.full_clean()
    village.save()
    return village


@attributed
@transaction.atomic
def village_delete(*, user, village: Village) -> None:
    """Delete a village that nothing refers to; one with households must stay."""
    from django.db.models import ProtectedError

    try:
        Village.objects.editable_by(user).get(pk=village.pk).delete()
    except ProtectedError as exc:
        raise ValidationError(
            _("Village %(name)s still has %(n)s linked records and cannot be deleted.")
            % {"name": village, "n": len(exc.protected_objects)}
        ) from exc
