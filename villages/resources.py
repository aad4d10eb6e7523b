"""Import resource for villages (CONTRACT: `import_data villages FILE`)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.registry import snapshot
from audit.services import record_bulk
from imports import parsers
from imports.engine import Column, Resource, RowError, register

from .choices import VillageKind
from .models import Subdistrict, Village

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
