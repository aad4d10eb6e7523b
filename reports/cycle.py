"""The monthly reporting cycle: due dates, lock dates, who may edit a district's submission
and why not, saving sections without losing anyone's edit, submitting, returning, approving,
and timeliness by the time of the first submission (not by a button anyone has to click).

The report for month M is due on the due day of M (the 20th unless the province's calendar
says otherwise; the 15th for the กข.คจ. follow-up). A due date on a weekend or a holiday moves
to the next working day. The period locks ``lock_after_days`` after its due date; after that
only a reopening by the province lets the district edit it.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from audit.context import attributed
from cdd.thai import fiscal_year, thai_date, thai_datetime, thai_month
from villages.models import District

from .models import (
    DEFAULT_DUE_DAY,
    DEFAULT_LOCK_AFTER_DAYS,
    STANDARD_HEADINGS,
    CalendarRule,
    Heading,
    Holiday,
    Mission,
    Narrative,
    Reopening,
    ReportType,
    ReviewComment,
    Submission,
    SubmissionStatus,
)

EDITABLE = {SubmissionStatus.DRAFT, SubmissionStatus.RETURNED}


# ---------------------------------------------------------------- calendar


def first_of(month: date) -> date:
    return month.replace(day=1)


def next_working_day(day: date, closed: set[date]) -> date:
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


def _calendar(province_ids, months, report_type: str) -> dict:
    """{(province, month): (due date, days until it locks)} for many provinces and months in
    two queries: the provinces' rules for those fiscal years, and the holidays."""
    province_ids, months = list(province_ids), list(months)
    rules = {
        (r.province_id, r.fiscal_year): (r.due_day, r.lock_after_days)
        for r in CalendarRule.objects.filter(
            province_id__in=province_ids,
            fiscal_year__in={fiscal_year(m) for m in months},
            report_type=report_type,
        )
    }
    default = (DEFAULT_DUE_DAY[report_type], DEFAULT_LOCK_AFTER_DAYS)
    closed: dict = {}
    for province_id, day in Holiday.objects.filter(
        Q(province_id__in=province_ids) | Q(province__isnull=True),
        date__range=(min(months), max(months) + timedelta(days=62)),
    ).values_list("province_id", "date"):
        closed.setdefault(province_id, set()).add(day)
    out = {}
    for p in province_ids:
        days = closed.get(None, set()) | closed.get(p, set())
        for m in months:
            due_day, lock_after = rules.get((p, fiscal_year(m)), default)
            last_day = calendar.monthrange(m.year, m.month)[1]
            due = next_working_day(date(m.year, m.month, min(due_day, last_day)), days)
            out[(p, m)] = (due, lock_after)
    return out


CALENDAR_GENERATION = "reports-calendar-generation"


def calendar_changed(**kwargs) -> None:
    """Signal receiver: a calendar rule or a holiday changed, so cached dates are stale."""
    try:
        cache.incr(CALENDAR_GENERATION)
    except ValueError:
        cache.set(CALENDAR_GENERATION, 1, None)


def _one_calendar(province_id: str, month: date, report_type: str) -> tuple[date, int]:
    """(due date, days until it locks) of one province and month, cached until a rule or a
    holiday changes: every save of a submission asks for it."""
    generation = cache.get_or_set(CALENDAR_GENERATION, 0, None)
    key = f"reports-calendar:{generation}:{province_id}:{month:%Y-%m}:{report_type}"
    found = cache.get(key)
    if found is None:
        found = _calendar([province_id], [month], report_type)[(province_id, month)]
        cache.set(key, found, 3600)
    return found


def due_dates(province_ids, months, report_type: str = ReportType.MONTHLY) -> dict:
    """{(province, month): the day the report is due: the due day or the next working day}."""
    return {k: due for k, (due, _lock) in _calendar(province_ids, months, report_type).items()}


def due_date(province_id: str, month: date, report_type: str = ReportType.MONTHLY) -> date:
    """The day the report for ``month`` is due: the due day, or the next working day."""
    return _one_calendar(province_id, month, report_type)[0]


def lock_date(province_id: str, month: date, report_type: str = ReportType.MONTHLY) -> date:
    """The last day a district may still edit the period without a reopening."""
    due, lock_after = _one_calendar(province_id, month, report_type)
    return due + timedelta(days=lock_after)


# ---------------------------------------------------------------- missions and headings


def headings_for(province_id: str, fy: int) -> list[Heading]:
    """The year's headings, starting the year with the eight standard ones."""
    rows = list(Heading.objects.filter(province_id=province_id, fiscal_year=fy))
    if not rows:
        Heading.objects.bulk_create(
            [
                Heading(province_id=province_id, fiscal_year=fy, number=n, title=str(title))
                for n, title in enumerate(STANDARD_HEADINGS, start=1)
            ],
            ignore_conflicts=True,
        )
        rows = list(Heading.objects.filter(province_id=province_id, fiscal_year=fy))
    return sorted(rows, key=lambda h: h.number)


def missions_for(province_id: str, fy: int) -> list[Mission]:
    return list(
        Mission.objects.filter(province_id=province_id, fiscal_year=fy, active=True).order_by(
            "number"
        )
    )


# ---------------------------------------------------------------- who may edit, and why not


@dataclass
class EditState:
    allowed: bool
    reason: str = ""


def _reopened(submission: Submission, today: date) -> bool:
    return Reopening.objects.filter(
        district_id=submission.district_id, month=submission.month, until__gte=today
    ).exists()


def edit_state(user, submission: Submission, today: date | None = None) -> EditState:
    """Whether ``user`` may change the submission now; if not, the reason in Thai."""
    today = today or timezone.localdate()
    if not Submission.objects.editable_by(user).filter(pk=submission.pk).exists():
        return EditState(False, _("This submission is outside your area."))
    if submission.month > first_of(today):
        return EditState(False, _("This period has not started yet."))
    if submission.status == SubmissionStatus.APPROVED:
        return EditState(False, _("The province has approved this submission; it is locked."))
    if submission.status not in EDITABLE:
        return EditState(
            False, _("The submission has been sent; the province must return it first.")
        )
    locked_after = lock_date(submission.province_id, submission.month)
    if today > locked_after and not _reopened(submission, today):
        return EditState(
            False,
            _(
                "The period locked after %(date)s and the province has not reopened it for "
                "your district."
            )
            % {"date": thai_date(locked_after)},
        )
    return EditState(True)


def require_edit(user, submission: Submission, today=None):
    state = edit_state(user, submission, today)
    if not state.allowed:
        raise ValidationError(state.reason)


# ---------------------------------------------------------------- district side


@attributed
@transaction.atomic
def submission_for(*, user, district: District, month: date) -> Submission:
    """The district's submission for the month, started as a draft when there is none."""
    month = first_of(month)
    if not District.objects.editable_by(user).filter(pk=district.pk).exists():
        raise PermissionDenied
    if month > first_of(timezone.localdate()):
        raise ValidationError(_("You cannot report for a month that has not started yet."))
    submission, _created = Submission.objects.get_or_create(
        district=district, month=month, defaults={"province_id": district.province_id}
    )
    return submission


@attributed
@transaction.atomic
def section_save(
    *, user, submission: Submission, mission: Mission, heading: Heading, text: str, version: int
) -> Narrative:
    """Save one narrative (autosave and the save button alike). ``version`` is the version the
    editor loaded; if someone saved in between, the save is refused and nothing is lost."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    require_edit(user, submission)
    if mission.province_id != submission.province_id or heading.province_id != (
        submission.province_id
    ):
        raise ValidationError(_("This mission or heading belongs to another province."))
    narrative, _created = Narrative.objects.select_for_update().get_or_create(
        submission=submission, mission=mission, heading=heading
    )
    # Objects already in hand: the audit trail's str(narrative) needs no further queries.
    narrative.submission, narrative.mission, narrative.heading = submission, mission, heading
    if narrative.version != version:
        who = narrative.updated_by.get_full_name() if narrative.updated_by else ""
        raise ValidationError(
            _(
                "%(who)s saved this section at %(when)s while you were editing it. Copy your "
                "text, reload the section and merge the two; nothing has been overwritten."
            )
            % {"who": who or _("Someone"), "when": thai_datetime(narrative.updated_at)},
            code="stale",
        )
    if narrative.text != text:
        narrative.text = text
        narrative.version += 1  # the row is locked (select_for_update): no lost update
        narrative.updated_by = user if user and user.is_authenticated else None
        narrative.save()
    return narrative


@attributed
@transaction.atomic
def submit(*, user, submission: Submission, late_reason: str = "") -> Submission:
    """Send the submission to the province. Past the due date a reason is required; the first
    submission's time is what timeliness counts."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    require_edit(user, submission)
    now = timezone.now()
    due = due_date(submission.province_id, submission.month)
    late = submission.first_submitted_at is None and timezone.localdate(now) > due
    if late and not late_reason.strip():
        raise ValidationError(
            {
                "late_reason": _("The report was due on %(date)s. Please say why it is late.")
                % {"date": thai_date(due)}
            }
        )
    if late:
        submission.late_reason = late_reason.strip()
    if submission.status == SubmissionStatus.RETURNED:
        submission.status = SubmissionStatus.RESUBMITTED
    else:
        submission.status = SubmissionStatus.SUBMITTED
        submission.first_submitted_at = submission.first_submitted_at or now
    submission.submitted_at = now
    submission.save()
    return submission


# ---------------------------------------------------------------- province side


def _require_review(user, submission: Submission):
    if user.role == Role.DISTRICT_STAFF and not user.is_superuser:
        raise PermissionDenied
    if not Submission.objects.editable_by(user).filter(pk=submission.pk).exists():
        raise PermissionDenied


@attributed
@transaction.atomic
def return_submission(
    *, user, submission: Submission, comment: str = "", mission=None, section_comments=None
) -> Submission:
    """Send the submission back to the district with the province's comments: a general one
    (``comment``, on ``mission`` if given) and/or one per mission (``section_comments``:
    {mission: text}). At least one comment is required."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _require_review(user, submission)
    if submission.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.RESUBMITTED):
        raise ValidationError(_("Only a submitted report can be returned."))
    notes = [(mission, comment.strip())] + [
        (m, (text or "").strip()) for m, text in (section_comments or {}).items()
    ]
    notes = [(m, text) for m, text in notes if text]
    if not notes:
        raise ValidationError({"comment": _("Say what the district should change.")})
    for m, _text in notes:
        if m is not None and m.province_id != submission.province_id:
            raise ValidationError(_("This mission or heading belongs to another province."))
    for m, text in notes:  # one by one, so each comment is in the audit trail
        ReviewComment.objects.create(submission=submission, mission=m, text=text, author=user)
    submission.status = SubmissionStatus.RETURNED
    submission.save()
    return submission


@attributed
@transaction.atomic
def approve(*, user, submission: Submission) -> Submission:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _require_review(user, submission)
    if submission.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.RESUBMITTED):
        raise ValidationError(_("Only a submitted report can be approved."))
    submission.status = SubmissionStatus.APPROVED
    submission.approved_at, submission.approved_by = timezone.now(), user
    submission.save()
    return submission


@attributed
@transaction.atomic
def reopen(*, user, district: District, month: date, until: date, reason: str) -> Reopening:
    """Let a district edit a locked period again until ``until`` (province staff only)."""
    if user.role == Role.DISTRICT_STAFF and not user.is_superuser:
        raise PermissionDenied
    if not District.objects.editable_by(user).filter(pk=district.pk).exists():
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for reopening.")})
    if until < timezone.localdate():
        raise ValidationError({"until": _("The reopening must end today or later.")})
    return Reopening.objects.create(
        district=district,
        province_id=district.province_id,
        month=first_of(month),
        until=until,
        reason=reason.strip(),
        reopened_by=user,
    )


# ---------------------------------------------------------------- timeliness


def timeliness(submission: Submission | None, due: date) -> str:
    """on_time / late by the first submission's date against the due date; missing when the
    district has never submitted."""
    if submission is None or submission.first_submitted_at is None:
        return "missing"
    return "on_time" if timezone.localdate(submission.first_submitted_at) <= due else "late"


def submissions_section(*, user, province: str, as_of: date, district=None) -> dict:
    """The CONTRACT.md ``submissions`` rows for the month of ``as_of``: one per district the
    user may see, in official code order, with district_code, status and submitted_at."""
    month = first_of(as_of)
    due = due_date(province, month)
    districts = District.objects.visible_to(user).filter(province_id=province)
    if district:
        districts = districts.filter(code=district)
    by_district = {
        s.district_id: s
        for s in Submission.objects.visible_to(user).filter(province_id=province, month=month)
    }
    rows = []
    for d in districts.order_by("code"):
        s = by_district.get(d.code)
        rows.append(
            {
                "district_code": d.code,
                "status": timeliness(s, due),
                "submitted_at": (
                    timezone.localtime(s.first_submitted_at).isoformat()
                    if s and s.first_submitted_at
                    else None
                ),
                "state": s.status if s else None,
                "late_reason": s.late_reason if s and s.late_reason else "",
            }
        )
    counts = {k: sum(r["status"] == k for r in rows) for k in ("on_time", "late", "missing")}
    return {
        "month": f"{month:%Y-%m}",
        "month_th": thai_month(month.year, month.month),
        "due_on": due.isoformat(),
        **counts,
        "rows": rows,
    }


# ---------------------------------------------------------------- completeness table


def fiscal_months(fy: int) -> list[date]:
    """The twelve months of a fiscal year (BE), October first."""
    start_year = fy - 543 - 1
    return [
        date(start_year if m >= 10 else start_year + 1, m, 1)
        for m in [*range(10, 13), *range(1, 10)]
    ]


def completeness(*, user, fy: int, level=None, code=None, today=None) -> dict:
    """Districts x the months of a fiscal year: on_time / late / missing / returned (a
    returned report shows as returned until it is sent again), or "" for a month whose due
    date has not come and that nothing has been sent for. Judged by submission time."""
    today = today or timezone.localdate()
    months = fiscal_months(fy)
    districts = District.objects.visible_to(user)
    if level and code:
        districts = districts.in_area(level, code)
    districts = list(districts.order_by("code").values_list("code", "name_th", "province_id"))
    dues = due_dates({p for _c, _n, p in districts}, months)
    subs = Submission.objects.visible_to(user).filter(month__in=months)
    if level and code:
        subs = subs.in_area(level, code)
    # The first submission's date in Bangkok, worked out by the database.
    found = {
        (d, m): (status, first)
        for d, m, status, first in subs.annotate(
            first_day=TruncDate("first_submitted_at")
        ).values_list("district_id", "month", "status", "first_day")
    }
    rows, totals = [], {k: 0 for k in ("on_time", "late", "missing", "returned")}
    for district_code, name, province_id in districts:
        cells = []
        for m in months:
            due = dues[(province_id, m)]
            status, first = found.get((district_code, m), (None, None))
            if status == SubmissionStatus.RETURNED:
                cell = "returned"
            elif first is not None:
                cell = "on_time" if first <= due else "late"
            elif today > due:
                cell = "missing"
            else:
                cell = ""
            if cell:
                totals[cell] += 1
            cells.append(cell)
        rows.append({"code": district_code, "name": name, "cells": cells})
    return {"fiscal_year": fy, "months": months, "rows": rows, "totals": totals}
