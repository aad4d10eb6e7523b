"""Import resources for villages (CONTRACT: `import_data villages FILE`) and the Sustainable
Village indicator set of a fiscal year (`sv_indicators`, docs/IMPORTS.md)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import Role
from audit.registry import snapshot
from audit.services import record_bulk
from imports import parsers
from imports.engine import BulkChanges, Column, Resource, RowError, register

from .choices import SvIndicatorKind, VillageKind
from .models import Subdistrict, Village
from .sustainable import SvIndicator, SvIndicatorSet

CHUNK = 5000


@register
class VillageResource(Resource):
    name = "villages"
    label = gettext_lazy("Villages")
    model = Village
    key = "code"
    columns = [
        Column(
            "code",
            gettext_lazy("Village code"),
            parsers.digits(8),
            help=gettext_lazy("8 digits: subdistrict + village no."),
        ),
        Column("name", gettext_lazy("Village name"), parsers.text(150)),
        Column(
            "kind",
            gettext_lazy("Kind"),
            parsers.choice(VillageKind),
            required=False,
            default=VillageKind.VILLAGE,
        ),
    ]

    def prepare(self, user, rows):
        allowed = (
            Subdistrict.objects.all() if user is None else Subdistrict.objects.editable_by(user)
        )
        existing = {}
        codes = [r["code"] for r in rows]
        for i in range(0, len(codes), CHUNK):
            for v in Village.objects.filter(code__in=codes[i : i + CHUNK]):
                existing[v.code] = v
        return {
            "subdistricts": set(Subdistrict.objects.values_list("code", flat=True)),
            "allowed": set(allowed.values_list("code", flat=True)),
            "existing": existing,
        }

    def validate(self, ctx, row, number, errors):
        sub = row["code"][:6]
        if sub not in ctx["subdistricts"]:
            errors.append(
                RowError(number, "code", _("No subdistrict has code %(code)s.") % {"code": sub})
            )
        elif sub not in ctx["allowed"]:
            errors.append(
                RowError(
                    number, "code", _("Subdistrict %(code)s is outside your area.") % {"code": sub}
                )
            )
        elif row["code"][6:] == "00":
            errors.append(RowError(number, "code", _("Village number 00 does not exist.")))

    def save(self, ctx, rows, *, write):
        existing = ctx["existing"]
        created, updated, changes = [], [], []
        unchanged = 0
        for row in rows:
            obj = existing.get(row["code"])
            if obj is None:
                obj = Village(
                    code=row["code"],
                    subdistrict_id=row["code"][:6],
                    name=row["name"],
                    kind=row["kind"],
                )
                created.append(obj)
                changes.append(("create", obj, None))
            elif obj.name != row["name"] or obj.kind != row["kind"]:
                before = snapshot(obj)
                obj.name, obj.kind = row["name"], row["kind"]
                updated.append(obj)
                changes.append(("update", obj, before))
            else:
                unchanged += 1
        if write:
            Village.objects.bulk_create(created, batch_size=2000)
            Village.objects.bulk_update(updated, ["name", "kind"], batch_size=2000)
            record_bulk(Village, changes)
        return len(created), len(updated), unchanged


# ---------------------------------------------------------------- sv_indicators

SV_KIND_ALIASES = {
    "พื้นฐาน": SvIndicatorKind.BASIC,
    "ตัวชี้วัดพื้นฐาน": SvIndicatorKind.BASIC,
    "มิติ": SvIndicatorKind.DIMENSION,
}
SV_LOADERS = {Role.SYSTEM_ADMIN, Role.PROVINCIAL_ADMIN}


def _may_load_sv(user) -> bool:
    if user is None:  # manage.py import_data without --user
        return True
    if not user.is_active:
        return False
    return user.is_superuser or user.role in SV_LOADERS


@register
class SvIndicatorResource(Resource):
    """The Sustainable Village indicators of a fiscal year: 7 basic ones (no dimension) and
    the indicators of 5 dimensions. The key is fiscal_year+code; a stored indicator is
    updated, one not in the file is kept, and the same file again changes nothing (the set's
    loaded_at and loaded_by move only when something changed)."""

    name = "sv_indicators"
    label = gettext_lazy("Sustainable Village indicators")
    model = SvIndicator
    key = None  # fiscal_year + code, checked in validate
    columns = [
        Column("fiscal_year", gettext_lazy("Fiscal year (B.E.)"), parsers.be_year),
        Column("code", gettext_lazy("Indicator code"), parsers.text(20)),
        Column(
            "kind",
            gettext_lazy("Kind of indicator"),
            parsers.choice(SvIndicatorKind, aliases=SV_KIND_ALIASES),
        ),
        Column(
            "dimension",
            gettext_lazy("Dimension (1-5)"),
            parsers.integer(min_value=1, max_value=5),
            required=False,
        ),
        Column(
            "number", gettext_lazy("Indicator number"), parsers.integer(min_value=1, max_value=99)
        ),
        Column("name", gettext_lazy("Indicator"), parsers.text(300)),
    ]
    FIELDS = ["kind", "dimension", "number", "name"]

    def prepare(self, user, rows):
        years = {r["fiscal_year"] for r in rows}
        sets = {s.fiscal_year: s for s in SvIndicatorSet.objects.filter(fiscal_year__in=years)}
        existing = {
            (i.set.fiscal_year, i.code): i
            for i in SvIndicator.objects.filter(set__fiscal_year__in=years).select_related("set")
        }
        return {
            "allowed": _may_load_sv(user),
            "user": user,
            "sets": sets,
            "existing": existing,
            "seen": {},
            "numbers": {},
        }

    def validate(self, ctx, row, number, errors):
        def err(column, message):
            errors.append(RowError(number, column, message))

        if not ctx["allowed"]:
            err(
                "fiscal_year",
                _("Only system admins and provincial admins may load the indicator set."),
            )
        key = (row["fiscal_year"], row["code"])
        if key in ctx["seen"]:
            err("code", _("Duplicate of row %(row)s in this file.") % {"row": ctx["seen"][key]})
        ctx["seen"][key] = number
        if row["kind"] == SvIndicatorKind.BASIC and row["dimension"] is not None:
            err("dimension", _("A basic indicator has no dimension; leave the cell empty."))
        if row["kind"] == SvIndicatorKind.DIMENSION and row["dimension"] is None:
            err("dimension", _("Give the dimension (1-5) of this indicator."))
        place = (row["fiscal_year"], row["kind"], row["dimension"], row["number"])
        if place in ctx["numbers"]:
            err(
                "number",
                _("Indicator number %(n)s is repeated (row %(row)s).")
                % {"n": row["number"], "row": ctx["numbers"][place]},
            )
        ctx["numbers"][place] = number

    def save(self, ctx, rows, *, write):
        bulk, new, changed_years = BulkChanges(SvIndicator), [], set()
        for row in rows:
            year = row["fiscal_year"]
            values = {f: row[f] for f in self.FIELDS}
            indicator = ctx["existing"].get((year, row["code"]))
            if indicator is None:
                indicator = SvIndicator(code=row["code"], **values)
                new.append((year, indicator))
                bulk.create(indicator)
                changed_years.add(year)
            elif all(getattr(indicator, f) == v for f, v in values.items()):
                bulk.keep()
            else:
                before = snapshot(indicator)
                for field, value in values.items():
                    setattr(indicator, field, value)
                bulk.update(indicator, before)
                changed_years.add(year)
        if write:
            self._touch_sets(ctx, changed_years)
            for year, indicator in new:
                indicator.set = ctx["sets"][year]
            bulk.write(self.FIELDS)
        return bulk.counts()

    @staticmethod
    def _touch_sets(ctx, years):
        """Create the sets of ``years`` not stored yet; mark the others loaded now by the
        importer (saved one by one, so the audit trail has them)."""
        now, user = timezone.now(), ctx["user"]
        for year in sorted(years):
            indicator_set = ctx["sets"].get(year)
            if indicator_set is None:
                name = _("Sustainable Village indicators, fiscal year %(year)s") % {"year": year}
                indicator_set = SvIndicatorSet(fiscal_year=year, name=name)
            indicator_set.loaded_at, indicator_set.loaded_by = now, user
            indicator_set.save()
            ctx["sets"][year] = indicator_set
