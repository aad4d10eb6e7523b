"""Writes to supervision visits: plan (create or edit) a visit and record its findings. Every
path goes through these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.context import attributed
from villages.models import District

from .models import Status, Visit, plans_visits


def plannable_districts(user):
    """The districts the user may plan visits to (none for district staff and viewers)."""
    if not plans_visits(user):
        return District.objects.none()
    return District.objects.editable_by(user)


def end_time_error() -> str:
    return _("The end time must be after the start time.")


@attributed
@transaction.atomic
def visit_save(*, user, visit: Visit) -> Visit:
    """Create or update a visit to a district of the user's province."""
    if not plans_visits(user):
        raise PermissionDenied
    if visit.pk and not Visit.objects.editable_by(user).filter(pk=visit.pk).exists():
        raise PermissionDenied
    if not visit.district_id or not plannable_districts(user).filter(pk=visit.district_id).exists():
        raise ValidationError({"district": _("This district is outside your area.")})
    if visit.end_time is not None and visit.start_time and visit.end_time <= visit.start_time:
        raise ValidationError({"end_time": end_time_error()})
    visit.team = "\n".join(line.strip() for line in visit.team.splitlines() if line.strip())
    visit.province_id = visit.district_id[:2]
    if not visit.pk:
        visit.created_by = user
    visit.full_clean(validate_constraints=False)
    visit.save()
    return visit


@attributed
@transaction.atomic
def visit_record_findings(*, user, visit: Visit, findings: str, followed_up: str = "") -> Visit:
    """Record what the visit found (and what was followed up); the visit is then done."""
    if not Visit.objects.editable_by(user).filter(pk=visit.pk).exists():
        raise PermissionDenied
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": _("Write what the visit found.")})
    visit.findings = findings
    visit.followed_up = (followed_up or "").strip()
    visit.status = Status.DONE
    visit.save(update_fields=["findings", "followed_up", "status", "updated_at"])
    return visit
