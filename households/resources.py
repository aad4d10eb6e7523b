"""Import resources `households` and `assistance` (CONTRACT.md column keys)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.registry import snapshot
from audit.services import record_bulk
from imports import parsers
from imports.engine import SAVE_CHUNK, Column, Resource, RowError, check_code, chunks, register
from villages.models import Village

from .choices import DIMENSIONS, Dimension, Phase, Source, Status
from .models import Assistance, DevelopmentPlan, Household, Indicator, IndicatorEdition
from .services import refresh_helped
from .validators import national_id_is_valid

VILLAGE_CODE = (
    gettext_lazy("No village has code %(code)s."),
    gettext_lazy("Village %(code)s is outside your area."),
)
HOUSE_CODE = (
    gettext_lazy("No household has code %(code)s."),
    gettext_lazy("Household %(code)s is outside your area."),
)
HOUSEHOLD_FIELDS = [
    "village_id",
    "subdistrict_id",
    "district_id",
    "province_id",
    "head_name",
    "national_id",
    "members",
    "income_per_person",
    "survey_year",
    "source",
    *[f"fails_{d}" for d in DIMENSIONS],
]


def _villages(user):
    """code -> (id, subdistrict code) for every village, and the codes the user may edit."""
    allowed = Village.objects.all() if user is None else Village.objects.editable_by(user)
    all_villages = {
        c: (pk, s) for pk, c, s in Village.objects.values_list("pk", "code", "subdistrict_id")
    }
    return all_villages, set(allowed.values_list("code", flat=True))


@register
class HouseholdResource(Resource):
    name = "households"
    label = gettext_lazy("Target households")
    model = Household
    key = "house_code"
    columns = [
        Column("house_code", gettext_lazy("House code"), parsers.digits(11)),
        Column("village_code", gettext_lazy("Village code"), parsers.digits(8)),
        Column("head_name", gettext_lazy("Head of household"), parsers.text(200)),
        Column(
            "national_id",
            gettext_lazy("National ID"),
            parsers.digits(13),
            required=False,
            default="",
        ),
        Column("members", gettext_lazy("Members"), parsers.integer(min_value=1, max_value=99)),
        Column("income_per_person", gettext_lazy("Income per person per year"), parsers.baht()),
        Column("survey_year", gettext_lazy("Survey year (B.E.)"), parsers.be_year),
        Column("source", gettext_lazy("Source"), parsers.choice(Source)),
        Column(
            "failed_dimensions",
            gettext_lazy("Failed dimensions"),
            parsers.choice_list(Dimension),
            required=False,
            default=[],
            help=gettext_lazy("Comma list of health, living, education, income, public_services"),
        ),
        Column("plan_date", gettext_lazy("Plan date"), parsers.a_date, required=False),
    ]

    def prepare(self, user, rows):
        villages, allowed = _villages(user)
        existing = {}  # house code -> village id, for the "already in another village" check
        for chunk in chunks(r["house_code"] for r in rows):
            existing.update(
                Household.objects.filter(house_code__in=chunk).values_list(
                    "house_code", "village_id"
                )
            )
        return {
            "villages": villages,
            "allowed": allowed,
            "existing": existing,
            "today": timezone.localdate(),
        }

    def validate(self, ctx, row, number, errors):
        code, known, allowed = row["village_code"], ctx["villages"], ctx["allowed"]
        if check_code(errors, number, "village_code", code, known, allowed, VILLAGE_CODE):
            village = known[code]
            existing_village = ctx["existing"].get(row["house_code"])
            if existing_village is not None and existing_village != village[0]:
                errors.append(
                    RowError(
                        number,
                        "house_code",
                        _("House code %(code)s is already registered in another village.")
                        % {"code": row["house_code"]},
                    )
                )
        if row["national_id"] and not national_id_is_valid(row["national_id"]):
            errors.append(
                RowError(number, "national_id", _("The national ID check digit is wrong."))
            )
        if row["plan_date"] and row["plan_date"] > ctx["today"]:
            errors.append(
                RowError(number, "plan_date", _("The plan date cannot be in the future."))
            )

    def save(self, ctx, rows, *, write):
        # Chunks keep memory flat: each chunk's model instances and audit rows are freed
        # before the next chunk is built.
        created = unchanged = 0
        for i in range(0, len(rows), SAVE_CHUNK):
            c, u = self._save_chunk(ctx, rows[i : i + SAVE_CHUNK], write=write)
            created, unchanged = created + c, unchanged + u
        # A row counts as updated when its household or only its plan date changed.
        return created, len(rows) - created - unchanged, unchanged

    def _save_chunk(self, ctx, rows, *, write):
        existing = {}
        codes = [r["house_code"] for r in rows if r["house_code"] in ctx["existing"]]
        if codes:
            existing = Household.objects.filter(house_code__in=codes).select_related("plan")
            existing = {h.house_code: h for h in existing}
        created, updated, changes = [], [], []
        plans_new, plans_changed, plan_changes = [], [], []
        unchanged = 0
        for row in rows:
            village_id, sub = ctx["villages"][row["village_code"]]
            values = {
                "village_id": village_id,
                "subdistrict_id": sub,
                "district_id": sub[:4],
                "province_id": sub[:2],
                "head_name": row["head_name"],
                "national_id": row["national_id"],
                "members": row["members"],
                "income_per_person": row["income_per_person"],
                "survey_year": row["survey_year"],
                "source": row["source"],
                **{f"fails_{d}": d in row["failed_dimensions"] for d in DIMENSIONS},
            }
            obj = existing.get(row["house_code"])
            touched = False
            if obj is None:
                obj = Household(house_code=row["house_code"], **values)
                if row["plan_date"]:
                    obj.status = Status.HAS_PLAN
                created.append(obj)
                changes.append(("create", obj, None))
                touched = True
            elif any(getattr(obj, f) != v for f, v in values.items()):
                before = snapshot(obj)
                for f, v in values.items():
                    setattr(obj, f, v)
                updated.append(obj)
                changes.append(("update", obj, before))
                touched = True
            plan = getattr(obj, "plan", None) if obj.pk else None
            if row["plan_date"]:
                if plan is None:
                    plans_new.append((obj, row["plan_date"]))
                    touched = True
                elif plan.made_on != row["plan_date"]:
                    before = snapshot(plan)
                    plan.made_on = row["plan_date"]
                    plans_changed.append(plan)
                    plan_changes.append(("update", plan, before))
                    touched = True
            unchanged += not touched
        if write:
            now = timezone.now()
            for obj in created:
                obj.created_at = obj.updated_at = now
            Household.objects.bulk_create(created, batch_size=SAVE_CHUNK)
            Household.objects.bulk_update(updated, HOUSEHOLD_FIELDS, batch_size=SAVE_CHUNK)
            record_bulk(Household, changes)
            plans = [DevelopmentPlan(household=h, made_on=d) for h, d in plans_new]
            DevelopmentPlan.objects.bulk_create(plans, batch_size=SAVE_CHUNK)
            DevelopmentPlan.objects.bulk_update(plans_changed, ["made_on"], batch_size=SAVE_CHUNK)
            record_bulk(DevelopmentPlan, [("create", p, None) for p in plans] + plan_changes)
            Household.objects.filter(
                pk__in=[h.pk for h, _d in plans_new], status=Status.TARGET
            ).update(status=Status.HAS_PLAN)
        return len(created), unchanged


@register
class AssistanceResource(Resource):
    name = "assistance"
    label = gettext_lazy("Assistance given")
    model = Assistance
    key = None
    columns = [
        Column("house_code", gettext_lazy("House code"), parsers.digits(11)),
        Column("date", gettext_lazy("Date"), parsers.a_date),
        Column("dimension", gettext_lazy("Dimension"), parsers.choice(Dimension)),
        Column("phase", gettext_lazy("Phase"), parsers.choice(Phase)),
        Column("agency", gettext_lazy("Agency"), parsers.text(200)),
        Column("description", gettext_lazy("What was given"), parsers.text(500)),
        Column("value", gettext_lazy("Value (baht)"), parsers.baht(), required=False),
    ]

    @staticmethod
    def _fingerprint(house_id, r):
        value = None if r["value"] is None else f"{r['value']:.2f}"
        return (
            house_id,
            r["date"],
            r["dimension"],
            r["phase"],
            r["agency"],
            r["description"],
            value,
        )

    def prepare(self, user, rows):
        allowed = Household.objects.all() if user is None else Household.objects.editable_by(user)
        codes = {r["house_code"] for r in rows}
        houses, visible = {}, set()
        for chunk in chunks(codes):
            houses.update(
                dict(Household.objects.filter(house_code__in=chunk).values_list("house_code", "pk"))
            )
            visible.update(
                allowed.filter(house_code__in=chunk).values_list("house_code", flat=True)
            )
        seen = set()
        for chunk in chunks(houses.values()):
            for a in Assistance.objects.filter(household_id__in=chunk).values(
                "household_id", "date", "dimension", "phase", "agency", "description", "value"
            ):
                seen.add(self._fingerprint(a["household_id"], a))
        return {
            "houses": houses,
            "allowed": visible,
            "seen": seen,
            "today": timezone.localdate(),
            "user": user,
        }

    def validate(self, ctx, row, number, errors):
        code, known, allowed = row["house_code"], ctx["houses"], ctx["allowed"]
        check_code(errors, number, "house_code", code, known, allowed, HOUSE_CODE)
        if row["date"] > ctx["today"]:
            errors.append(RowError(number, "date", _("The date cannot be in the future.")))

    def save(self, ctx, rows, *, write):
        new, unchanged = [], 0
        seen = set(ctx["seen"])
        user = ctx["user"]
        for row in rows:
            house_id = ctx["houses"][row["house_code"]]
            fingerprint = self._fingerprint(house_id, row)
            if fingerprint in seen:  # the same record imported before: re-import changes nothing
                unchanged += 1
                continue
            seen.add(fingerprint)
            new.append(
                Assistance(
                    household_id=house_id,
                    date=row["date"],
                    dimension=row["dimension"],
                    phase=row["phase"],
                    agency=row["agency"],
                    description=row["description"],
                    value=row["value"],
                    created_by=user,
                    created_at=timezone.now(),
                )
            )
        if write and new:
            Assistance.objects.bulk_create(new, batch_size=2000)
            record_bulk(Assistance, [("create", a, None) for a in new])
            refresh_helped({a.household_id for a in new})
        return len(new), 0, unchanged


@register
class IndicatorResource(Resource):
    """A จปฐ. indicator edition: one row per numbered indicator and its dimension."""

    name = "indicators"
    label = gettext_lazy("BMN indicator edition")
    model = Indicator
    key = None
    columns = [
        Column("edition", gettext_lazy("Edition"), parsers.text(100)),
        Column("first_year", gettext_lazy("First survey year (B.E.)"), parsers.be_year),
        Column("last_year", gettext_lazy("Last survey year (B.E.)"), parsers.be_year),
        Column(
            "number", gettext_lazy("Indicator number"), parsers.integer(min_value=1, max_value=200)
        ),
        Column("text", gettext_lazy("Indicator"), parsers.text(300)),
        Column("dimension", gettext_lazy("Dimension"), parsers.choice(Dimension)),
    ]

    def prepare(self, user, rows):
        return {"allowed": user is None or user.sees_everything and user.can_write, "seen": set()}

    def validate(self, ctx, row, number, errors):
        if not ctx["allowed"]:
            errors.append(
                RowError(number, "edition", _("Only system admins may load indicator editions."))
            )
        key = (row["edition"], row["number"])
        if key in ctx["seen"]:
            errors.append(
                RowError(number, "number", _("Indicator number repeated in this edition."))
            )
        ctx["seen"].add(key)

    def save(self, ctx, rows, *, write):
        created = updated = unchanged = 0
        for row in rows:
            edition = IndicatorEdition.objects.filter(name=row["edition"]).first()
            current = edition and edition.indicators.filter(number=row["number"]).first()
            if current is None:
                created += 1
            elif (current.text, current.dimension) != (row["text"], row["dimension"]):
                updated += 1
            else:
                unchanged += 1
            if write:
                edition, _new = IndicatorEdition.objects.update_or_create(
                    name=row["edition"],
                    defaults={"first_year": row["first_year"], "last_year": row["last_year"]},
                )
                Indicator.objects.update_or_create(
                    edition=edition,
                    number=row["number"],
                    defaults={"text": row["text"], "dimension": row["dimension"]},
                )
        return created, updated, unchanged
