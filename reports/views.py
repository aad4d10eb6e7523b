"""Monthly submission pages: the month's overview of districts, the district's editor (with
autosave endpoints that answer JSON), files, submitting, the province's side-by-side review
and per-submission review, value history and the completeness table.

Every lookup goes through ``visible_to`` / ``get_visible_or_404`` (outside the area: 404);
writes go through ``reports.cycle``, ``reports.indicators`` and ``reports.attachments``.
"""

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.choices import Role
from audit.services import history_for
from cdd import thai
from cdd.areas import area_context, query_string
from cdd.scoping import get_visible_or_404
from cdd.views import private_file
from villages.models import District

from . import attachments, cycle, indicators
from .models import (
    Attachment,
    AttachmentKind,
    Heading,
    Indicator,
    IndicatorValue,
    Mission,
    Narrative,
    Submission,
    SubmissionStatus,
)

STATUS_CLASS = {
    SubmissionStatus.DRAFT: "draft",
    SubmissionStatus.SUBMITTED: "sent",
    SubmissionStatus.RESUBMITTED: "sent",
    SubmissionStatus.RETURNED: "returned",
    SubmissionStatus.APPROVED: "approved",
}


def _month(request) -> date:
    """The month chosen with ?month=YYYY-MM (C.E. or B.E.), else this month."""
    text = (request.GET.get("month") or "").strip()
    if text:
        try:
            year, month = thai.parse_month(text)
            return date(year, month, 1)
        except ValueError:
            messages.warning(request, _("The month chosen is not valid; showing this month."))
    return cycle.first_of(timezone.localdate())


def _month_param(month: date) -> str:
    return f"{month:%Y-%m}"


def _is_reviewer(user) -> bool:
    return user.is_superuser or (user.role != Role.DISTRICT_STAFF and user.can_write)


# ---------------------------------------------------------------- the month's overview


@login_required
def submission_month(request):
    """The chosen month's submissions of the districts in the area, with their state and
    timeliness; district staff open (or start) their own report from here."""
    user = request.user
    if request.method == "POST":
        district = get_visible_or_404(District, user, write=True, code=request.POST.get("district"))
        try:
            year, month = thai.parse_month(request.POST.get("month", ""))
            submission = cycle.submission_for(
                user=user, district=district, month=date(year, month, 1)
            )
        except (ValueError, ValidationError) as exc:
            text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, text)
            return redirect(reverse("submission-month"))
        return redirect("submission-edit", pk=submission.pk)
    area = area_context(request)
    month = _month(request)
    rows, summary, overdue = [], None, False
    if area["level"]:
        summary = cycle.submissions_section(
            user=user,
            province=area["province_code"],
            as_of=month,
            district=area["district_code"] or None,
        )
        overdue = timezone.localdate() > date.fromisoformat(summary["due_on"])
        subs = {
            s.district_id: s
            for s in Submission.objects.visible_to(user).filter(
                province_id=area["province_code"], month=month
            )
        }
        names = dict(
            District.objects.filter(
                code__in=[r["district_code"] for r in summary["rows"]]
            ).values_list("code", "name_th")
        )
        writable = set(
            District.objects.editable_by(user).filter(code__in=names).values_list("code", flat=True)
        )
        for r in summary["rows"]:
            s = subs.get(r["district_code"])
            rows.append(
                {
                    **r,
                    "name": names.get(r["district_code"], ""),
                    "submission": s,
                    "state_class": STATUS_CLASS.get(s.status, "") if s else "",
                    "not_yet": r["status"] == "missing" and not overdue,
                    "can_start": r["district_code"] in writable
                    and user.role == Role.DISTRICT_STAFF,
                }
            )
    due = lock = None
    if area["province_code"]:
        due = cycle.due_date(area["province_code"], month)
        lock = cycle.lock_date(area["province_code"], month)
    return render(
        request,
        "reports/month.html",
        {
            **area,
            "month": month,
            "month_param": _month_param(month),
            "month_name": thai.thai_month(month.year, month.month),
            "summary": summary,
            "overdue": overdue,
            "rows": rows,
            "due": due,
            "lock": lock,
            "is_reviewer": _is_reviewer(user),
            "future": month > cycle.first_of(timezone.localdate()),
            "review_query": query_string(province=area["province_code"], month=_month_param(month)),
        },
    )


# ---------------------------------------------------------------- the district's editor


def _editor_context(user, submission: Submission) -> dict:
    fy = thai.fiscal_year(submission.month)
    missions = cycle.missions_for(submission.province_id, fy)
    headings = cycle.headings_for(submission.province_id, fy)
    narratives = {(n.mission_id, n.heading_id): n for n in submission.narratives.all()}
    values = {v.indicator_id: v for v in submission.values.select_related("updated_by")}
    all_indicators = list(indicators.indicators_for(submission.province_id, fy))
    previous = {}
    for ind in all_indicators:  # one small query each; a province has a handful of indicators
        previous[ind.pk] = indicators.previous_value(ind, submission)
    comments = list(submission.comments.select_related("author", "mission"))
    files = list(submission.attachments.select_related("mission"))

    def indicator_rows(mission_id):
        return [
            {"indicator": ind, "value": values.get(ind.pk), "previous": previous[ind.pk]}
            for ind in all_indicators
            if ind.mission_id == mission_id
        ]

    sections = []
    for m in missions:
        sections.append(
            {
                "mission": m,
                "fields": [
                    {"heading": h, "narrative": narratives.get((m.pk, h.pk))} for h in headings
                ],
                "indicators": indicator_rows(m.pk),
                "comments": [c for c in comments if c.mission_id == m.pk],
                "photos": [f for f in files if f.mission_id == m.pk and f.kind == "photo"],
            }
        )
    due = cycle.due_date(submission.province_id, submission.month)
    return {
        "submission": submission,
        "month_name": thai.thai_month(submission.month.year, submission.month.month),
        "fiscal_year": fy,
        "sections": sections,
        "other_indicators": indicator_rows(None),
        "general_comments": [c for c in comments if c.mission_id is None],
        "files": files,
        "missions": missions,
        "due": due,
        "lock": cycle.lock_date(submission.province_id, submission.month),
        "past_due": submission.first_submitted_at is None and timezone.localdate() > due,
        "state_class": STATUS_CLASS.get(submission.status, ""),
        "timeliness": cycle.timeliness(submission, due),
    }


@login_required
def submission_edit(request, pk):
    user = request.user
    submission = get_visible_or_404(Submission, user, pk=pk)
    state = cycle.edit_state(user, submission)
    context = _editor_context(user, submission)
    return render(
        request,
        "reports/editor.html",
        {
            **context,
            "state": state,
            "is_reviewer": _is_reviewer(user),
            "back_url": f"{reverse('submission-month')}?"
            + query_string(
                province=submission.province_id,
                district=submission.district_id if user.role == Role.DISTRICT_STAFF else "",
                month=_month_param(submission.month),
            ),
        },
    )


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ValidationError(_("The request could not be read."))
    return body


def _error_json(exc: ValidationError, status=400) -> JsonResponse:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(fields.values()))[0]
    return JsonResponse({"error": first, "fields": fields}, status=status)


def _stale(exc: ValidationError) -> bool:
    """Someone saved in between (the services raise code "stale")."""
    return not hasattr(exc, "error_dict") and any(e.code == "stale" for e in exc.error_list)


def _int(body, key) -> int:
    try:
        return int(body.get(key))
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("The request could not be read.")) from exc


@login_required
@require_POST
def section_autosave(request, pk):
    """Save one narrative (the editor's autosave). JSON in: mission, heading, text, version.
    JSON out: the new version and time; 409 when someone saved in between."""
    user = request.user
    submission = get_visible_or_404(Submission, user, pk=pk)
    try:
        body = _json_body(request)
        mission = Mission.objects.get(pk=_int(body, "mission"), province_id=submission.province_id)
        heading = Heading.objects.get(pk=_int(body, "heading"), province_id=submission.province_id)
        text = body.get("text")
        if not isinstance(text, str):
            raise ValidationError(_("The request could not be read."))
        narrative = cycle.section_save(
            user=user,
            submission=submission,
            mission=mission,
            heading=heading,
            text=text,
            version=_int(body, "version"),
        )
    except (Mission.DoesNotExist, Heading.DoesNotExist):
        raise Http404 from None
    except PermissionDenied:
        return JsonResponse({"error": _("This submission is outside your area.")}, status=403)
    except ValidationError as exc:
        return _error_json(exc, status=409 if _stale(exc) else 400)
    return JsonResponse(
        {
            "version": narrative.version,
            "saved_at": timezone.localtime(narrative.updated_at).strftime("%H:%M:%S"),
        }
    )


@login_required
@require_POST
def value_autosave(request, pk):
    """Save one indicator value. JSON in: indicator, value, version, confirm, reason. A change
    of more than half answers 400 with ``needs_reason`` and the question to confirm."""
    user = request.user
    submission = get_visible_or_404(Submission, user, pk=pk)
    try:
        body = _json_body(request)
        indicator = Indicator.objects.get(
            pk=_int(body, "indicator"), province_id=submission.province_id
        )
        row = indicators.value_save(
            user=user,
            submission=submission,
            indicator=indicator,
            value=str(body.get("value", "")),
            version=_int(body, "version"),
            confirm=bool(body.get("confirm")),
            reason=str(body.get("reason") or ""),
        )
    except Indicator.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        return JsonResponse({"error": _("This submission is outside your area.")}, status=403)
    except ValidationError as exc:
        response = _error_json(exc, status=409 if _stale(exc) else 400)
        if hasattr(exc, "error_dict") and "reason" in exc.error_dict:
            response = JsonResponse(
                {"error": exc.message_dict["reason"][0], "needs_reason": True}, status=400
            )
        return response
    return JsonResponse(
        {
            "version": row.version,
            "value": str(int(row.value))
            if row.value == row.value.to_integral()
            else str(row.value),
            "saved_at": timezone.localtime(row.updated_at).strftime("%H:%M:%S"),
        }
    )


@login_required
@require_POST
def attachment_add(request, pk):
    user = request.user
    submission = get_visible_or_404(Submission, user, write=True, pk=pk)
    upload = request.FILES.get("file")
    mission = None
    if request.POST.get("mission"):
        mission = Mission.objects.filter(
            pk=request.POST["mission"], province_id=submission.province_id
        ).first()
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            attachments.attach(
                user=user,
                submission=submission,
                upload=upload,
                kind=request.POST.get("kind", ""),
                mission=mission,
                caption=request.POST.get("caption", ""),
            )
            messages.success(request, _("%(name)s attached.") % {"name": upload.name})
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
    return redirect(reverse("submission-edit", args=[submission.pk]) + "#files")


@login_required
def attachment_file(request, pk):
    attachment = get_visible_or_404(Attachment, request.user, pk=pk)
    response = private_file(attachment.file)
    if attachment.kind == AttachmentKind.DOCUMENT:
        response["Content-Disposition"] = content_disposition_header(True, attachment.name)
    return response


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = get_visible_or_404(Attachment, request.user, write=True, pk=pk)
    try:
        attachments.detach(user=request.user, attachment=attachment)
        messages.success(request, _("%(name)s removed.") % {"name": attachment.name})
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect(reverse("submission-edit", args=[attachment.submission_id]) + "#files")


@login_required
@require_POST
def submission_submit(request, pk):
    user = request.user
    submission = get_visible_or_404(Submission, user, write=True, pk=pk)
    try:
        submission = cycle.submit(
            user=user, submission=submission, late_reason=request.POST.get("late_reason", "")
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(reverse("submission-edit", args=[pk]) + "#submit")
    messages.success(
        request,
        _("The report for %(month)s has been sent to the province.")
        % {"month": thai.thai_month(submission.month.year, submission.month.month)},
    )
    return redirect("submission-edit", pk=pk)


# ---------------------------------------------------------------- the province's review


@login_required
def submission_review(request, pk):
    """One submission in full for the province: comments per mission, return or approve."""
    user = request.user
    submission = get_visible_or_404(Submission, user, pk=pk)
    can_review = _is_reviewer(user) and submission.status in (
        SubmissionStatus.SUBMITTED,
        SubmissionStatus.RESUBMITTED,
    )
    if request.method == "POST":
        if not _is_reviewer(user):
            raise PermissionDenied
        submission = get_visible_or_404(Submission, user, write=True, pk=pk)
        try:
            if request.POST.get("action") == "approve":
                cycle.approve(user=user, submission=submission)
                messages.success(request, _("Approved; the submission is now locked."))
            else:
                missions = {
                    m.pk: m for m in Mission.objects.filter(province_id=submission.province_id)
                }
                section_comments = {
                    missions[int(key.split("-", 1)[1])]: text
                    for key, text in request.POST.items()
                    if key.startswith("comment-")
                    and key.split("-", 1)[1].isdigit()
                    and int(key.split("-", 1)[1]) in missions
                }
                cycle.return_submission(
                    user=user,
                    submission=submission,
                    comment=request.POST.get("comment", ""),
                    section_comments=section_comments,
                )
                messages.success(request, _("Returned to the district with your comments."))
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        return redirect("submission-review", pk=pk)
    return render(
        request,
        "reports/review.html",
        {
            **_editor_context(user, submission),
            "can_review": can_review,
            "back_url": f"{reverse('review-month')}?"
            + query_string(province=submission.province_id, month=_month_param(submission.month)),
        },
    )


@login_required
def review_month(request):
    """Every district's submission side by side for one mission: districts down, headings
    across; and the indicators: districts down, indicators across, with the province total."""
    user = request.user
    area = area_context(request)
    month = _month(request)
    context = {
        **area,
        "month": month,
        "month_param": _month_param(month),
        "month_name": thai.thai_month(month.year, month.month),
    }
    if not area["province_code"]:
        return render(request, "reports/review_month.html", context)
    province = area["province_code"]
    fy = thai.fiscal_year(month)
    missions = cycle.missions_for(province, fy)
    headings = cycle.headings_for(province, fy)
    chosen = None
    if request.GET.get("mission", "").isdigit():
        chosen = next((m for m in missions if m.number == int(request.GET["mission"])), None)
    chosen = chosen or (missions[0] if missions else None)
    districts = District.objects.visible_to(user).filter(province_id=province).order_by("code")
    if area["district_code"]:
        districts = districts.filter(code=area["district_code"])
    districts = list(districts.values_list("code", "name_th"))
    subs = {
        s.district_id: s
        for s in Submission.objects.visible_to(user).filter(province_id=province, month=month)
    }
    texts = {}
    if chosen:
        for n in Narrative.objects.filter(submission__in=subs.values(), mission=chosen).values(
            "submission__district_id", "heading_id", "text"
        ):
            texts[(n["submission__district_id"], n["heading_id"])] = n["text"]
    inds = list(indicators.indicators_for(province, fy))
    values = {
        (v["submission__district_id"], v["indicator_id"]): v
        for v in IndicatorValue.objects.filter(submission__in=subs.values()).values(
            "pk", "submission__district_id", "indicator_id", "value", "reason"
        )
    }
    due = cycle.due_date(province, month)
    rows = []
    for code, name in districts:
        s = subs.get(code)
        rows.append(
            {
                "code": code,
                "name": name,
                "submission": s,
                "state_class": STATUS_CLASS.get(s.status, "") if s else "",
                "timeliness": cycle.timeliness(s, due),
                "not_yet": timezone.localdate() <= due,
                "texts": [texts.get((code, h.pk), "") for h in headings],
                "values": [values.get((code, i.pk)) for i in inds],
            }
        )
    totals = indicators.province_totals(
        user=user, province=province, month=month, district=area["district_code"] or None
    )
    return render(
        request,
        "reports/review_month.html",
        {
            **context,
            "missions": missions,
            "chosen": chosen,
            "headings": headings,
            "indicators": inds,
            "rows": rows,
            "totals": totals,
            "due": due,
        },
    )


@login_required
def value_history(request, pk):
    """Who changed a value and when, and the district's values month by month this year."""
    value = get_visible_or_404(IndicatorValue, request.user, pk=pk)
    months = cycle.fiscal_months(thai.fiscal_year(value.submission.month))
    by_month = dict(
        IndicatorValue.objects.visible_to(request.user)
        .filter(
            indicator=value.indicator,
            submission__district_id=value.submission.district_id,
            submission__month__in=months,
        )
        .values_list("submission__month", "value")
    )
    return render(
        request,
        "reports/value_history.html",
        {
            "value": value,
            "entries": history_for(value),
            "series": [
                (thai.thai_month(m.year, m.month, long=False), by_month.get(m)) for m in months
            ],
        },
    )


# ---------------------------------------------------------------- completeness


@login_required
def completeness_page(request):
    user = request.user
    area = area_context(request)
    try:
        fy = int(request.GET.get("year") or thai.fiscal_year(timezone.localdate()))
    except ValueError:
        fy = thai.fiscal_year(timezone.localdate())
    table = None
    if area["level"]:
        table = cycle.completeness(user=user, fy=fy, level=area["level"], code=area["code"])
    this_fy = thai.fiscal_year(timezone.localdate())
    return render(
        request,
        "reports/completeness.html",
        {
            **area,
            "fiscal_year": fy,
            "years": list(range(this_fy, this_fy - 4, -1)),
            "table": table,
            "month_labels": [
                thai.thai_month(m.year, m.month, long=False)
                for m in (table or {}).get("months", [])
            ],
        },
    )
