"""Writes to target households. Every path (forms, API, import) goes through these."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import attributed
from villages.models import District, Village

from .choices import DIMENSIONS, Status
from .models import (
    Assistance,
    AssistancePhoto,
    DevelopmentPlan,
    Household,
    MentorTeam,
    NationalIdReveal,
)

# Roles that may see a full national ID (their own area only); others see it masked.
REVEAL_ROLES = {"district_staff", "provincial_officer", "provincial_admin", "system_admin"}


def place_in_village(household: Household, village: Village) -> None:
    """Copy the village's area codes onto the household for fast area filtering."""
    household.village = village
    household.subdistrict_id = village.subdistrict_id
    household.district_id = village.subdistrict_id[:4]
    household.province_id = village.subdistrict_id[:2]


def _editable_village(user, village: Village) -> Village:
    if not Village.objects.editable_by(user).filter(pk=village.pk).exists():
        raise ValidationError({"village": _("This village is outside your area.")})
    return village


@attributed
@transaction.atomic
def household_save(*, user, household: Household, village: Village, dimensions) -> Household:
    """Create or update a household in a village the user may edit."""
    if household.pk and not Household.objects.editable_by(user).filter(pk=household.pk).exists():
        raise PermissionDenied
    place_in_village(household, _editable_village(user, village))
    household.set_failed_dimensions(dimensions)
    household.full_clean()
    household.save()
    return household


@attributed
@transaction.atomic
def plan_save(*, user, household: Household, plan: DevelopmentPlan) -> DevelopmentPlan:
    """Save the household's development plan and move a target household to 'has a plan'."""
    household = Household.objects.editable_by(user).select_for_update().get(pk=household.pk)
    if plan.made_on and plan.made_on > timezone.localdate():
        raise ValidationError({"made_on": _("The plan date cannot be in the future.")})
    if (
        plan.mentor_team_id
        and not MentorTeam.objects.editable_by(user).filter(pk=plan.mentor_team_id).exists()
    ):
        raise ValidationError({"mentor_team": _("This mentor team is outside your area.")})
    plan.household = household
    plan.full_clean()
    plan.save()
    if household.status == Status.TARGET:
        household.status = Status.HAS_PLAN
        household.save(update_fields=["status", "updated_at"])
    return plan


def refresh_helped(household_ids) -> None:
    """Recompute the first assistance date per dimension for these households."""
    firsts = (
        Assistance.objects.filter(household_id__in=household_ids)
        .values("household_id", "dimension")
        .annotate(first=Min("date"))
    )
    by_household = {}
    for row in firsts:
        by_household.setdefault(row["household_id"], {})[row["dimension"]] = row["first"]
    households = list(Household.objects.filter(pk__in=household_ids))
    for h in households:
        for d in DIMENSIONS:
            setattr(h, f"helped_{d}_on", by_household.get(h.pk, {}).get(d))
        if h.status in (Status.TARGET, Status.HAS_PLAN) and by_household.get(h.pk):
            h.status = Status.BEING_HELPED
    Household.objects.bulk_update(
        households, [f"helped_{d}_on" for d in DIMENSIONS] + ["status"], batch_size=1000
    )


@attributed
@transaction.atomic
def assistance_add(
    *,
    user,
    households,
    date: date,
    dimension: str,
    phase: str,
    agency: str,
    description: str,
    value=None,
) -> list[Assistance]:
    """Record the same help for one or many households (e.g. survival bags for 40 homes)."""
    ids = [h.pk for h in households]
    allowed = set(
        Household.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    if not ids or allowed != set(ids):
        raise ValidationError({"households": _("Some households are outside your area.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    records = []
    for household in households:
        record = Assistance(
            household=household,
            date=date,
            dimension=dimension,
            phase=phase,
            agency=agency.strip(),
            description=description.strip(),
            value=value,
            created_by=user if user and user.is_authenticated else None,
        )
        record.full_clean()
        record.save()
        records.append(record)
    refresh_helped(ids)
    return records


@attributed
@transaction.atomic
def assistance_delete(*, user, assistance: Assistance) -> None:
    record = Assistance.objects.editable_by(user).get(pk=assistance.pk)
    household_id = record.household_id
    record.delete()
    refresh_helped([household_id])


def can_reveal_national_id(user, household: Household) -> bool:
    role = "system_admin" if user.is_superuser else user.role
    return (
        role in REVEAL_ROLES and Household.objects.visible_to(user).filter(pk=household.pk).exists()
    )


@attributed
def national_id_reveal(*, user, household: Household, source: str = "web") -> str:
    """The full national ID, for allowed roles only; every reveal is logged."""
    if not can_reveal_national_id(user, household):
        raise PermissionDenied
    NationalIdReveal.objects.create(household=household, user=user, source=source)
    return household.national_id


MAX_PHOTOS = 3


@attributed
@transaction.atomic
def assistance_add_photos(*, user, assistance: Assistance, files) -> list[AssistancePhoto]:
    """Attach photos (already checked to be images) to an assistance record, at most three."""
    record = Assistance.objects.editable_by(user).filter(pk=assistance.pk).first()
    if record is None:
        raise PermissionDenied
    files = list(files)
    if record.photos.count() + len(files) > MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("At most %(n)s photos per assistance record.") % {"n": MAX_PHOTOS}}
        )
    photos = []
    for upload in files:
        photo = AssistancePhoto(assistance=record, image=upload)
        photo.save()
        photos.append(photo)
    return photos


@attributed
@transaction.atomic
def mentor_team_save(*, user, team: MentorTeam) -> MentorTeam:
    """Create or update a mentor team in a district the user may edit."""
    if team.pk and not MentorTeam.objects.editable_by(user).filter(pk=team.pk).exists():
        raise PermissionDenied
    if not District.objects.editable_by(user).filter(pk=team.district_id).exists():
        raise ValidationError({"district": _("This district is outside your area.")})
    team.full_clean()
    team.save()
    return team
