"""Women's Development Fund pages: debt figures, contracts, the batch payment screen, the
follow-up list and debt relief rounds.

Reads go through ``funds.selectors`` (figures) and scoped querysets, writes through
``funds.services``; every lookup is scoped with ``visible_to`` / ``editable_by`` (outside the
area: 404; read-only roles: 403).
"""

from collections import OrderedDict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from audit.models import AuditEntry
from cdd import thai
from cdd.areas import area_context, query_string
from cdd.scoping import get_visible_or_404
from imports.exporting import ExportTable, table_response
from reports.models import ReportedMonth
from villages.models import District, Province

from . import selectors, services
from .forms_wdf import (
    HALF_SATANG,
    AsOfForm,
    LoanFilter,
    LoanForm,
    MonthReportedForm,
    PaymentBatch,
    ReliefRoundForm,
    RestructureForm,
)
from .models import Instalment, ReliefRound, ScheduleRevision, WdfLoan, WdfPayment
from .schedule import unpaid_portions
from .selectors import with_balances

PER_PAGE = 50
ZERO = Decimal("0.00")
# Sortable columns of the contract list: (?sort= key, label, numeric).
LOAN_COLUMNS = [
    ("contract_no", gettext_lazy("Contract number"), False),
    ("borrower", gettext_lazy("Borrower"), False),
    ("district", gettext_lazy("District"), False),
    ("principal", gettext_lazy("Principal"), True),
    ("contract_date", gettext_lazy("Contract date"), False),
    ("receivables", gettext_lazy("Receivables"), True),
    ("overdue", gettext_lazy("Overdue debt"), True),
]


LOAN_EXPORT = ExportTable(
    gettext_lazy("WDF contracts"),
    [
        ("contract_no", gettext_lazy("Contract number")),
        ("district_code", gettext_lazy("District code")),
        ("subdistrict_code", gettext_lazy("Subdistrict code")),
        ("borrower_name", gettext_lazy("Borrower")),
        ("borrower_kind", gettext_lazy("Borrower kind")),
        ("principal", gettext_lazy("Principal")),
        ("contract_date", gettext_lazy("Contract date")),
        ("instalments", gettext_lazy("Number of instalments")),
        ("first_due_date", gettext_lazy("First due date")),
        ("interval_months", gettext_lazy("Months between instalments")),
        ("receivables", gettext_lazy("Receivables today")),
        ("overdue", gettext_lazy("Overdue debt today")),
    ],
)
FOLLOW_UP_EXPORT = ExportTable(
    gettext_lazy("WDF follow-up"),
    [
        ("order", gettext_lazy("No.")),
        ("contract_no", gettext_lazy("Contract number")),
        ("borrower_name", gettext_lazy("Borrower")),
        ("district", gettext_lazy("District")),
        ("subdistrict", gettext_lazy("Subdistrict")),
        ("receivables", gettext_lazy("Receivables")),
        ("overdue", gettext_lazy("Overdue debt")),
        ("over_30", gettext_lazy("More than 30 days late")),
        ("oldest_due", gettext_lazy("Oldest unpaid due date")),
        ("days_late", gettext_lazy("Days late")),
        ("running", gettext_lazy("Running total")),
        ("reaches_target", gettext_lazy("Target reached at this row")),
    ],
)


def _require_writer(user):
    if not user.can_write:
        raise PermissionDenied


def _be(d) -> str:
    """A date as typed in the forms: 21/11/2569."""
    return f"{d.day:02d}/{d.month:02d}/{thai.to_be_year(d.year)}"


# ---------------------------------------------------------------- area and date


def _as_of_form(request):
    data = request.GET if "as_of" in request.GET else None
    return AsOfForm(data, initial={"as_of": timezone.localdate()})


def _area_context(request, view_name):
    form = _as_of_form(request)
    as_of = form.day()
    return {
        **area_context(request),
        "as_of_form": form,
        "as_of": as_of,
        "as_of_text": _be(as_of),
        "view_name": view_name,
    }


# ---------------------------------------------------------------- figures


@login_required
def figures(request):
    """WDF debt figures of an area as of a date, one row per district and the total."""
    user = request.user
    ctx = _area_context(request, "wdf-figures")
    debt = None
    if ctx["level"]:
        debt = selectors.wdf_debt(
            user=user, as_of=ctx["as_of"], level=ctx["level"], code=ctx["code"]
        )
        for row in debt["rows"]:
            query = query_string(district=row["code"], as_of=ctx["as_of_text"])
            row["follow_up_url"] = f"{reverse('wdf-follow-up')}?{query}"
            row["loans_url"] = f"{reverse('wdf-loan-list')}?{query_string(district=row['code'])}"
    province_code = ctx["province_code"]
    reported, mark_form = [], None
    if province_code:
        reported = list(
            ReportedMonth.objects.visible_to(user)
            .filter(province_id=province_code)
            .select_related("reported_by")
            .order_by("-month")[:24]
        )
        if Province.objects.editable_by(user).filter(pk=province_code).exists():
            mark_form = MonthReportedForm(initial={"province": province_code})
    return render(
        request,
        "funds/wdf/figures.html",
        {
            **ctx,
            "tab": "figures",
            "debt": debt,
            "reported": reported,
            "mark_form": mark_form,
            "target_pct": selectors.REDUCTION_TARGET_PCT,
            "ceiling_pct": selectors.OVERDUE_CEILING_PCT,
        },
    )


@login_required
@require_POST
def month_reported(request):
    """Record that the province reported a month (payments dated in it are flagged later)."""
    form = MonthReportedForm(request.POST)
    if not form.is_valid():
        raise Http404
    province = get_visible_or_404(
        Province, request.user, write=True, code=form.cleaned_data["province"]
    )
    month = form.cleaned_data["month"]
    services.month_mark_reported(user=request.user, province=province, month=month)
    messages.success(
        request,
        _("Recorded that %(province)s reported %(month)s.")
        % {"province": province.name_th, "month": thai.thai_month(month.year, month.month)},
    )
    return redirect(f"{reverse('wdf-figures')}?{query_string(province=province.code)}")


# ---------------------------------------------------------------- contracts


def _filtered_loans(request):
    loans = with_balances(
        WdfLoan.objects.visible_to(request.user).select_related("district", "subdistrict"),
        timezone.localdate(),
    )
    filterset = LoanFilter(request.GET or None, queryset=loans, user=request.user)
    return filterset, filterset.qs


def _can_add_loans(user) -> bool:
    return user.can_write and District.objects.editable_by(user).exists()


@login_required
def loan_list(request):
    filterset, loans = _filtered_loans(request)
    page = Paginator(loans, PER_PAGE).get_page(request.GET.get("page"))
    sort = filterset.sort_value
    columns = [
        {
            "label": label,
            "num": numeric,
            "next": f"-{key}" if sort == key else key,
            "arrow": "▲" if sort == key else "▼" if sort == f"-{key}" else "",
        }
        for key, label, numeric in LOAN_COLUMNS
    ]
    return render(
        request,
        "funds/wdf/loan_list.html",
        {
            "tab": "loans",
            "filter": filterset,
            "page": page,
            "columns": columns,
            "sort": sort,
            "can_write": _can_add_loans(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def loan_export(request):
    _filterset, loans = _filtered_loans(request)
    rows = (
        [
            loan.contract_no,
            loan.district_id,
            loan.subdistrict_id or "",
            loan.borrower_name,
            loan.borrower_kind,
            loan.principal,
            loan.contract_date,
            loan.instalments,
            loan.first_due_date,
            loan.interval_months,
            selectors.money(loan.receivables_now),
            selectors.money(loan.overdue_now),
        ]
        for loan in loans.iterator(chunk_size=2000)
    )
    return table_response(LOAN_EXPORT, rows, "xlsx", "wdf-contracts")


def _history(loan, revision_ids, payment_ids):
    """Audit entries of the contract, its schedule revisions and its payments, newest first
    (deleted revisions and payments too, found by the contract id they held)."""

    def of(model):  # content type ids are cached: no join, so each branch uses an index
        return Q(content_type_id=ContentType.objects.get_for_model(model).pk)

    # Deleted rows are found through the partial index audit_deleted_loan_idx.
    deleted = Q(action="delete", before__loan=loan.pk)
    q = of(WdfLoan) & Q(object_pk=str(loan.pk))
    q |= of(ScheduleRevision) & (Q(object_pk__in=[str(i) for i in revision_ids]) | deleted)
    q |= of(WdfPayment) & (Q(object_pk__in=[str(i) for i in payment_ids]) | deleted)
    entries = list(
        AuditEntry.objects.filter(q).select_related("actor", "content_type").order_by("-at", "-id")
    )
    for entry in entries:
        entry.kind_label = entry.content_type.model_class()._meta.verbose_name
    return entries


def _schedule_status(loan, parts, payments, today):
    """The schedule in force, each part with what is still unpaid (payments settle the oldest
    part first; payments made before this schedule began are outside its parts)."""
    paid = sum((p.amount for p in payments), ZERO)
    scheduled = sum((p.amount for p in parts), ZERO)
    portions = unpaid_portions(
        [(p.due_on, p.amount) for p in parts], paid - (loan.principal - scheduled)
    )
    # Parts are settled oldest first, so the unpaid ones are the last len(portions).
    settled = len(parts) - len(portions)
    rows = []
    for index, part in enumerate(parts):
        unpaid = ZERO if index < settled else portions[index - settled][1]
        if unpaid <= 0:
            status = "paid"
        elif unpaid < part.amount:
            status = "partly"
        else:
            status = "unpaid"
        rows.append(
            {
                "part": part,
                "unpaid": unpaid,
                "paid": part.amount - unpaid,
                "status": status,
                "overdue": unpaid > 0 and part.due_on < today,
            }
        )
    return rows


@login_required
def loan_detail(request, pk):
    user = request.user
    editable = WdfLoan.objects.editable_by(user).filter(pk=OuterRef("pk"))
    loan = (
        WdfLoan.objects.visible_to(user)
        .select_related("district", "subdistrict", "province")
        .annotate(can_edit=Exists(editable))
        .filter(pk=pk)
        .first()
    )
    if loan is None:
        raise Http404
    form = _as_of_form(request)
    as_of, today = form.day(), timezone.localdate()
    figures_ = selectors.loan_figures(loan, as_of)
    # Every revision has at least one part (a relief round with nothing unpaid writes none),
    # so the parts bring their revisions along in the same query.
    parts = list(
        Instalment.objects.filter(loan=loan)
        .select_related("revision__relief_round")
        .order_by("valid_from", "revision_id", "due_on", "number")
    )
    revisions = OrderedDict()
    for part in parts:
        revisions.setdefault(part.revision_id, {"revision": part.revision, "parts": []})
        revisions[part.revision_id]["parts"].append(part)
    for entry in revisions.values():
        entry["valid_to"] = entry["parts"][0].valid_to
    current = [p for p in parts if p.valid_to is None]
    payments = list(loan.payments.order_by("paid_on", "id"))
    running = ZERO
    for payment in payments:
        running += payment.amount
        payment.running = running
    history = _history(loan, list(revisions), [p.pk for p in payments])
    return render(
        request,
        "funds/wdf/loan_detail.html",
        {
            "tab": "loans",
            "loan": loan,
            "as_of_form": form,
            "as_of": as_of,
            "figures": figures_,
            "schedule": _schedule_status(loan, current, payments, today),
            "current_revision": current[0].revision if current else None,
            "revisions": list(revisions.values()),
            "payments": payments,
            "paid_total": running,
            "history": history,
            "today": today,
        },
    )


def _loan_form(request, loan, title):
    form = LoanForm(request.POST or None, instance=loan, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, _("Contract %(no)s saved.") % {"no": saved.contract_no})
            return redirect("wdf-loan-detail", pk=saved.pk)
    return render(
        request,
        "funds/wdf/form.html",
        {
            "tab": "loans",
            "form": form,
            "title": title,
            "loan": loan if loan.pk else None,
            "cancel_url": reverse("wdf-loan-detail", args=[loan.pk])
            if loan.pk
            else reverse("wdf-loan-list"),
        },
    )


@login_required
def loan_create(request):
    if not _can_add_loans(request.user):
        raise PermissionDenied
    return _loan_form(request, WdfLoan(), _("Add a WDF contract"))


@login_required
def loan_edit(request, pk):
    loan = get_visible_or_404(WdfLoan, request.user, write=True, pk=pk)
    return _loan_form(request, loan, _("Edit contract %(no)s") % {"no": loan.contract_no})


@login_required
def loan_restructure(request, pk):
    loan = get_visible_or_404(WdfLoan, request.user, write=True, pk=pk)
    form = RestructureForm(
        request.POST or None,
        user=request.user,
        loan=loan,
        initial={"effective_on": timezone.localdate(), "interval_months": 12},
    )
    if request.method == "POST" and form.is_valid():
        revision = form.save()
        if revision is not None:
            messages.success(
                request,
                _(
                    "Contract %(no)s restructured: %(amount)s baht in %(n)s instalments from "
                    "%(date)s."
                )
                % {
                    "no": loan.contract_no,
                    "amount": thai.baht(revision.remaining),
                    "n": revision.instalments,
                    "date": thai.thai_date(revision.first_due_date),
                },
            )
            return redirect("wdf-loan-detail", pk=loan.pk)
    return render(
        request,
        "funds/wdf/form.html",
        {
            "tab": "loans",
            "form": form,
            "title": _("Restructure contract %(no)s") % {"no": loan.contract_no},
            "loan": loan,
            "intro": _(
                "The unpaid balance on the restructure date is split into new equal instalments. "
                "The earlier schedule is kept in the contract's history, and figures for dates "
                "before the restructure (such as the 1 October baseline) still use it."
            ),
            "cancel_url": reverse("wdf-loan-detail", args=[loan.pk]),
        },
    )


@login_required
def payment_delete(request, pk):
    payment = get_visible_or_404(WdfPayment, request.user, write=True, pk=pk)
    loan = payment.loan
    if request.method == "POST":
        services.payment_delete(user=request.user, payment=payment)
        messages.success(
            request,
            _("Payment of %(amount)s baht on %(date)s deleted from contract %(no)s.")
            % {
                "amount": thai.baht(payment.amount),
                "date": thai.thai_date(payment.paid_on),
                "no": loan.contract_no,
            },
        )
        return redirect("wdf-loan-detail", pk=loan.pk)
    return render(
        request,
        "funds/wdf/payment_delete.html",
        {"tab": "loans", "payment": payment, "loan": loan},
    )


# ---------------------------------------------------------------- batch payments


@login_required
def payment_batch(request):
    """Many payments to many contracts at once; all or nothing."""
    user = request.user
    _require_writer(user)
    today = timezone.localdate()
    if request.method == "POST":
        batch = PaymentBatch(request.POST, user=user)
        if "more" in request.POST:
            # More empty rows; what was typed stays, nothing is checked or saved yet.
            batch = PaymentBatch(user=user, rows=batch.rows + 5, initial=batch.raw_rows())
        elif batch.is_valid():
            payments = batch.save()
            if payments is not None:
                _batch_messages(request, payments, today)
                return redirect("wdf-payment-batch")
    else:
        contract = (request.GET.get("contract") or "").strip()
        initial = [{"contract_no": contract, "paid_on": today}] if contract else []
        try:
            rows = int(request.GET.get("rows") or 10)
        except ValueError:
            rows = 10
        batch = PaymentBatch(user=user, rows=rows, initial=initial)
    return render(
        request,
        "funds/wdf/payment_batch.html",
        {"tab": "payments", "batch": batch, "today": today},
    )


def _batch_messages(request, payments, today):
    total = sum((p.amount for p in payments), ZERO)
    messages.success(
        request,
        ngettext(
            "Saved %(n)s payment, %(total)s baht in all.",
            "Saved %(n)s payments, %(total)s baht in all.",
            len(payments),
        )
        % {"n": len(payments), "total": thai.baht(total)},
    )
    loans = list({p.loan_id: p.loan for p in payments}.values())
    shown = [
        _("%(no)s: %(amount)s baht")
        % {
            "no": loan.contract_no,
            "amount": thai.baht(selectors.loan_figures(loan, today)["overdue_now"]),
        }
        for loan in loans[:20]
    ]
    if len(loans) > 20:
        shown.append("…")
    messages.info(request, _("Overdue debt now: %(list)s") % {"list": "; ".join(shown)})


# ---------------------------------------------------------------- follow-up


@login_required
def follow_up(request):
    """Borrowers in arrears, largest overdue first, with the running total against what the
    reduction target still needs."""
    ctx = _area_context(request, "wdf-follow-up")
    data, page = None, None
    if ctx["level"]:
        data = selectors.follow_up_list(
            user=request.user, as_of=ctx["as_of"], level=ctx["level"], code=ctx["code"]
        )
        page = Paginator(data["rows"], PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/wdf/follow_up.html",
        {
            **ctx,
            "tab": "follow-up",
            "data": data,
            "page": page,
            "target_pct": selectors.REDUCTION_TARGET_PCT,
            "export_query": query_string(
                district=ctx["district_code"],
                province=ctx["province_code"] if ctx["level"] == "province" else "",
                as_of=ctx["as_of_text"],
            ),
        },
    )


@login_required
def follow_up_export(request):
    ctx = _area_context(request, "wdf-follow-up")
    if not ctx["level"]:
        raise Http404
    data = selectors.follow_up_list(
        user=request.user, as_of=ctx["as_of"], level=ctx["level"], code=ctx["code"]
    )
    rows = (
        [
            n,
            r["loan"].contract_no,
            r["loan"].borrower_name,
            r["loan"].district.name_th,
            r["loan"].subdistrict.name_th if r["loan"].subdistrict else "",
            r["receivables"],
            r["overdue"],
            r["over_30"],
            r["oldest_due"],
            r["days_late"],
            r["running"],
            "yes" if r["reaches_target"] else "",
        ]
        for n, r in enumerate(data["rows"], start=1)
    )
    stem = f"wdf-follow-up-{ctx['code']}-{ctx['as_of'].isoformat()}"
    return table_response(FOLLOW_UP_EXPORT, rows, "xlsx", stem)


# ---------------------------------------------------------------- relief rounds


def _can_write_rounds(user) -> bool:
    return Province.objects.editable_by(user).exists()


@login_required
def relief_list(request):
    user = request.user
    editable = ReliefRound.objects.editable_by(user).filter(pk=OuterRef("pk"))
    rounds = (
        ReliefRound.objects.visible_to(user)
        .select_related("province")
        .annotate(
            applied=Count("revisions__loan", distinct=True),
            can_edit=Exists(editable),
        )
        .order_by("-effective_on", "number")
    )
    return render(
        request,
        "funds/wdf/relief_list.html",
        {
            "tab": "relief",
            "rounds": rounds,
            "can_write": _can_write_rounds(user),
            "show_province": user.sees_everything,
        },
    )


def _relief_form(request, relief_round, title):
    form = ReliefRoundForm(request.POST or None, instance=relief_round, user=request.user)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved is not None:
            messages.success(request, _("Debt relief round %(no)s saved.") % {"no": saved.number})
            return redirect("wdf-relief-list")
    return render(
        request,
        "funds/wdf/form.html",
        {
            "tab": "relief",
            "form": form,
            "title": title,
            "cancel_url": reverse("wdf-relief-list"),
        },
    )


@login_required
def relief_create(request):
    if not _can_write_rounds(request.user):
        raise PermissionDenied
    return _relief_form(request, ReliefRound(), _("Add a debt relief round"))


@login_required
def relief_edit(request, pk):
    relief_round = get_visible_or_404(ReliefRound, request.user, write=True, pk=pk)
    return _relief_form(
        request, relief_round, _("Edit debt relief round %(no)s") % {"no": relief_round.number}
    )


@login_required
def relief_apply(request, pk):
    """Choose the contracts a relief round applies to (those with an unpaid balance)."""
    user = request.user
    relief_round = get_visible_or_404(ReliefRound, user, write=True, pk=pk)
    today = timezone.localdate()
    district = (request.GET.get("district") or "").strip()
    in_round = ScheduleRevision.objects.filter(loan=OuterRef("pk"), relief_round=relief_round)
    # The service refuses the whole batch for a contract signed after the pause starts or
    # with a schedule change dated later, so such contracts are not offered.
    changed_later = ScheduleRevision.objects.filter(
        loan=OuterRef("pk"), effective_on__gt=relief_round.effective_on
    )
    loans = (
        with_balances(
            WdfLoan.objects.editable_by(user).filter(
                province_id=relief_round.province_id, contract_date__lte=relief_round.effective_on
            ),
            today,
        )
        .filter(receivables_now__gt=HALF_SATANG)
        .exclude(Exists(changed_later))
        .select_related("district")
        .annotate(in_round=Exists(in_round))
        .order_by("district_id", "contract_no")
    )
    if district:
        loans = loans.in_area("district", district)
    errors = []
    if request.method == "POST":
        try:
            ids = {int(v) for v in request.POST.getlist("loan")}
        except ValueError:
            ids = set()
        chosen = list(loans.filter(pk__in=ids, in_round=False))
        if not ids:
            errors.append(_("Tick at least one contract."))
        elif len(chosen) != len(ids):
            errors.append(
                _("Some of the ticked contracts cannot take this round. Tick them again.")
            )
        else:
            try:
                changed = services.relief_apply(user=user, relief_round=relief_round, loans=chosen)
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(
                    request,
                    ngettext(
                        "Debt relief round %(no)s applied to %(n)s contract.",
                        "Debt relief round %(no)s applied to %(n)s contracts.",
                        changed,
                    )
                    % {"no": relief_round.number, "n": changed},
                )
                if changed < len(chosen):
                    messages.warning(
                        request,
                        _(
                            "%(n)s of the ticked contracts had nothing unpaid on %(date)s and "
                            "were left as they were."
                        )
                        % {
                            "n": len(chosen) - changed,
                            "date": thai.thai_date(relief_round.effective_on),
                        },
                    )
                return redirect("wdf-relief-list")
    districts = (
        District.objects.visible_to(user)
        .in_area("province", relief_round.province_id)
        .order_by("code")
        .values_list("code", "name_th")
    )
    return render(
        request,
        "funds/wdf/relief_apply.html",
        {
            "tab": "relief",
            "round": relief_round,
            "loans": loans,
            "districts": districts,
            "district": district,
            "errors": errors,
            "ticked": set(request.POST.getlist("loan")) if request.method == "POST" else set(),
            "today": today,
        },
    )
