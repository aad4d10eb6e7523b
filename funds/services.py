"""Writes to the community-fund ledgers. Every path (forms, API, import) goes through these."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.context import attributed
from cdd.thai import baht
from reports.models import ReportedMonth
from villages.models import District, Province, Subdistrict, Village

from .choices import RevisionKind
from .models import (
    BudgetLine,
    Disbursement,
    Instalment,
    KkjFollowUp,
    KkjFund,
    PendingProject,
    ReliefRound,
    ScheduleRevision,
    WdfLoan,
    WdfPayment,
)
from .schedule import equal_parts, paused, unpaid_portions

ZERO = Decimal("0.00")
SCHEDULE_FIELDS = ("principal", "contract_date", "instalments", "first_due_date", "interval_months")


# ---------------------------------------------------------------- loans


def check_loan_terms(*, principal, contract_date, first_due_date) -> dict:
    """Field errors (Thai) of a contract's terms; empty when they are fine."""
    errors = {}
    if principal is not None and principal <= 0:
        errors["principal"] = _("The principal must be more than zero.")
    if contract_date and first_due_date and first_due_date < contract_date:
        errors["first_due_date"] = _("The first due date cannot be before the contract date.")
    return errors


def contract_no_taken(contract_no: str, district_id: str, exclude_pk=None) -> str | None:
    """The Thai message when the contract number is already used in another district."""
    other = (
        WdfLoan.objects.filter(contract_no=contract_no)
        .exclude(pk=exclude_pk)
        .select_related("district")
        .first()
    )
    if other is None:
        return None
    if other.district_id != district_id:
        return _("Contract number %(no)s is already used in %(district)s.") % {
            "no": contract_no,
            "district": other.district,
        }
    return _("Contract number %(no)s already exists.") % {"no": contract_no}


def original_parts(loan: WdfLoan):
    return equal_parts(loan.principal, loan.instalments, loan.first_due_date, loan.interval_months)


def write_original_schedule(loan: WdfLoan) -> ScheduleRevision:
    """(Re)write the loan's original schedule from its terms."""
    ScheduleRevision.objects.filter(loan=loan, kind=RevisionKind.ORIGINAL).delete()
    revision = ScheduleRevision.objects.create(
        loan=loan,
        kind=RevisionKind.ORIGINAL,
        effective_on=loan.contract_date,
        remaining=loan.principal,
    )
    Instalment.objects.bulk_create(
        Instalment(
            loan=loan,
            revision=revision,
            number=n,
            due_on=due,
            amount=amount,
            valid_from=loan.contract_date,
        )
        for n, due, amount in original_parts(loan)
    )
    return revision


def _editable_district(user, district: District) -> District:
    if not District.objects.editable_by(user).filter(pk=district.pk).exists():
        raise ValidationError({"district": _("This district is outside your area.")})
    return district


@attributed
@transaction.atomic
def loan_save(*, user, loan: WdfLoan, district: District, subdistrict: Subdistrict | None = None):
    """Create or update a contract. Changing its terms rewrites the original schedule, which is
    refused once the schedule has been relieved or restructured."""
    if loan.pk and not WdfLoan.objects.editable_by(user).filter(pk=loan.pk).exists():
        raise PermissionDenied
    _editable_district(user, district)
    if subdistrict is not None and subdistrict.district_id != district.pk:
        raise ValidationError({"subdistrict": _("The subdistrict is not in this district.")})
    loan.district, loan.subdistrict, loan.province_id = district, subdistrict, district.province_id
    errors = check_loan_terms(
        principal=loan.principal,
        contract_date=loan.contract_date,
        first_due_date=loan.first_due_date,
    )
    taken = contract_no_taken(loan.contract_no, district.pk, exclude_pk=loan.pk)
    if taken:
        errors["contract_no"] = taken
    if errors:
        raise ValidationError(errors)
    before = WdfLoan.objects.get(pk=loan.pk) if loan.pk else None
    terms_changed = before is None or any(
        getattr(before, f) != getattr(loan, f) for f in SCHEDULE_FIELDS
    )
    if before is not None and terms_changed:
        if loan.revisions.exclude(kind=RevisionKind.ORIGINAL).exists():
            raise ValidationError(
                _(
                    "This contract has been relieved or restructured; its original terms can "
                    "no longer change."
                )
            )
        paid = loan.payments.aggregate(s=Sum("amount"))["s"] or ZERO
        if paid > loan.principal:
            raise ValidationError(
                {
                    "principal": _("Payments of %(paid)s baht already exceed this principal.")
                    % {"paid": baht(paid)}
                }
            )
    loan.full_clean()
    loan.save()
    if terms_changed:
        write_original_schedule(loan)
    return loan


# ---------------------------------------------------------------- payments


def reported_months(province_ids) -> set[tuple[str, date]]:
    return set(
        ReportedMonth.objects.filter(province_id__in=set(province_ids)).values_list(
            "province_id", "month"
        )
    )


def paid_totals(loan_ids) -> dict[int, Decimal]:
    return dict(
        WdfPayment.objects.filter(loan_id__in=list(loan_ids))
        .values("loan_id")
        .annotate(s=Sum("amount"))
        .values_list("loan_id", "s")
    )


def check_payment(loan: WdfLoan, paid_on: date, amount: Decimal, already_paid: Decimal, today):
    """Field errors (Thai) of one payment to a contract of which ``already_paid`` is paid."""
    errors = {}
    if amount is not None and amount <= 0:
        errors["amount"] = _("The amount must be more than zero.")
    elif amount is not None:
        remaining = loan.principal - already_paid
        if amount > remaining:
            errors["amount"] = _(
                "The payment %(amount)s baht is more than the %(remaining)s baht that remains "
                "on contract %(no)s."
            ) % {"amount": baht(amount), "remaining": baht(remaining), "no": loan.contract_no}
    if paid_on is not None:
        if paid_on < loan.contract_date:
            errors["paid_on"] = _("The payment date is before the contract date.")
        elif paid_on > today:
            errors["paid_on"] = _("The payment date cannot be in the future.")
    return errors


@attributed
@transaction.atomic
def payments_add(*, user, entries) -> list[WdfPayment]:
    """Add payments: ``entries`` is [(loan, paid_on, amount, receipt_no)]. All or nothing: a
    ValidationError lists every bad entry as "row N: ..." (rows counted from 1)."""
    loan_ids = {loan.pk for loan, *_rest in entries}
    allowed = set(
        WdfLoan.objects.editable_by(user).filter(pk__in=loan_ids).values_list("pk", flat=True)
    )
    loans = {loan.pk: loan for loan in WdfLoan.objects.select_for_update().filter(pk__in=loan_ids)}
    paid = paid_totals(loan_ids)
    today = timezone.localdate()
    reported = reported_months(loan.province_id for loan in loans.values())
    errors, payments = [], []
    for number, (loan, paid_on, amount, receipt_no) in enumerate(entries, start=1):
        if loan.pk not in allowed:
            errors.append(
                _("Row %(n)s: contract %(no)s is outside your area.")
                % {"n": number, "no": loan.contract_no}
            )
            continue
        loan = loans[loan.pk]
        already = paid.get(loan.pk, ZERO)
        problems = check_payment(loan, paid_on, amount, already, today)
        if problems:
            errors += [
                _("Row %(n)s: %(message)s") % {"n": number, "message": m} for m in problems.values()
            ]
            continue
        paid[loan.pk] = already + amount
        payments.append(
            WdfPayment(
                loan=loan,
                paid_on=paid_on,
                amount=amount,
                receipt_no=receipt_no or "",
                in_reported_month=(loan.province_id, paid_on.replace(day=1)) in reported,
            )
        )
    if errors:
        raise ValidationError(errors)
    for payment in payments:
        payment.save()  # one by one so that each gets its own audit entry
    return payments


@attributed
@transaction.atomic
def payment_delete(*, user, payment: WdfPayment) -> None:
    if not WdfPayment.objects.editable_by(user).filter(pk=payment.pk).exists():
        raise PermissionDenied
    payment.delete()


# ---------------------------------------------------------------- relief and restructure


def _current_parts(loan: WdfLoan):
    return list(
        Instalment.objects.filter(loan=loan, valid_to__isnull=True)
        .order_by("due_on", "number")
        .values_list("due_on", "amount")
    )


def _check_revision_date(loan: WdfLoan, effective_on: date):
    latest = loan.revisions.aggregate(m=Max("effective_on"))["m"]
    if effective_on < loan.contract_date:
        raise ValidationError(
            {
                "effective_on": _("The date is before the contract date of %(no)s.")
                % {"no": loan.contract_no}
            }
        )
    if latest and effective_on < latest:
        raise ValidationError(
            {
                "effective_on": _("Contract %(no)s already has a schedule change on a later date.")
                % {"no": loan.contract_no}
            }
        )


def _paid_before(loan: WdfLoan, day: date) -> Decimal:
    return loan.payments.filter(paid_on__lt=day).aggregate(s=Sum("amount"))["s"] or ZERO


def _replace_schedule(loan, revision, parts):
    Instalment.objects.filter(loan=loan, valid_to__isnull=True).update(
        valid_to=revision.effective_on
    )
    Instalment.objects.bulk_create(
        Instalment(
            loan=loan,
            revision=revision,
            number=n,
            due_on=due,
            amount=amount,
            valid_from=revision.effective_on,
        )
        for n, due, amount in parts
    )


def _unpaid_now(loan: WdfLoan, day: date):
    """Unpaid portions of the schedule in force, counting payments dated before ``day``."""
    parts = _current_parts(loan)
    scheduled = sum((a for _d, a in parts), ZERO)
    # Payments made before the schedule in force began are outside its parts.
    paid_in_schedule = _paid_before(loan, day) - (loan.principal - scheduled)
    return unpaid_portions(parts, paid_in_schedule)


@attributed
@transaction.atomic
def relief_apply(*, user, relief_round: ReliefRound, loans) -> int:
    """Apply a relief round to contracts: their unpaid parts are paused. Returns how many
    contracts changed; a contract already in this round is skipped."""
    if not ReliefRound.objects.editable_by(user).filter(pk=relief_round.pk).exists():
        raise PermissionDenied
    changed = 0
    for loan in loans:
        loan = WdfLoan.objects.editable_by(user).select_for_update().filter(pk=loan.pk).first()
        if loan is None:
            raise PermissionDenied
        if loan.province_id != relief_round.province_id:
            raise ValidationError(
                _("Contract %(no)s is not in this round's province.") % {"no": loan.contract_no}
            )
        if loan.revisions.filter(relief_round=relief_round).exists():
            continue
        try:
            _check_revision_date(loan, relief_round.effective_on)
        except ValidationError:
            # Signed after the pause starts, or rescheduled later: the round does not apply.
            continue
        portions = _unpaid_now(loan, relief_round.effective_on)
        if not portions:
            continue
        revision = ScheduleRevision.objects.create(
            loan=loan,
            kind=RevisionKind.RELIEF,
            effective_on=relief_round.effective_on,
            relief_round=relief_round,
            remaining=sum((a for _d, a in portions), ZERO),
            note=str(relief_round),
        )
        _replace_schedule(
            loan, revision, paused(portions, relief_round.effective_on, relief_round.pause_months)
        )
        changed += 1
    return changed


@attributed
@transaction.atomic
def restructure(
    *,
    user,
    loan: WdfLoan,
    effective_on: date,
    instalments: int,
    first_due_date: date,
    interval_months: int,
    note: str = "",
) -> ScheduleRevision:
    """Replace the remaining schedule: what is unpaid on ``effective_on`` is split into new
    equal parts. The earlier schedule stays (valid until ``effective_on``)."""
    loan = WdfLoan.objects.editable_by(user).select_for_update().filter(pk=loan.pk).first()
    if loan is None:
        raise PermissionDenied
    _check_revision_date(loan, effective_on)
    if not 1 <= instalments <= 240:
        raise ValidationError({"instalments": _("Instalments must be from 1 to 240.")})
    if not 1 <= interval_months <= 120:
        raise ValidationError(
            {"interval_months": _("Months between instalments must be from 1 to 120.")}
        )
    if first_due_date < effective_on:
        raise ValidationError(
            {"first_due_date": _("The first due date cannot be before the restructure date.")}
        )
    remaining = loan.principal - _paid_before(loan, effective_on)
    if remaining <= 0:
        raise ValidationError(_("Contract %(no)s is fully repaid.") % {"no": loan.contract_no})
    revision = ScheduleRevision.objects.create(
        loan=loan,
        kind=RevisionKind.RESTRUCTURE,
        effective_on=effective_on,
        instalments=instalments,
        first_due_date=first_due_date,
        interval_months=interval_months,
        remaining=remaining,
        note=note,
    )
    _replace_schedule(
        loan, revision, equal_parts(remaining, instalments, first_due_date, interval_months)
    )
    return revision


@attributed
@transaction.atomic
def relief_round_save(*, user, relief_round: ReliefRound, province: Province) -> ReliefRound:
    if not Province.objects.editable_by(user).filter(pk=province.pk).exists():
        raise PermissionDenied
    if relief_round.pk and relief_round.revisions.exists():
        before = ReliefRound.objects.get(pk=relief_round.pk)
        if (before.effective_on, before.pause_months) != (
            relief_round.effective_on,
            relief_round.pause_months,
        ):
            raise ValidationError(
                _("The round has been applied to contracts; its dates can no longer change.")
            )
    relief_round.province = province
    relief_round.full_clean()
    relief_round.save()
    return relief_round


# ---------------------------------------------------------------- budget lines


def _editable_line(user, line: BudgetLine) -> BudgetLine:
    if not BudgetLine.objects.editable_by(user).filter(pk=line.pk).exists():
        raise PermissionDenied
    return line


@attributed
@transaction.atomic
def budget_line_save(*, user, line: BudgetLine, province: Province) -> BudgetLine:
    if not Province.objects.editable_by(user).filter(pk=province.pk).exists():
        raise PermissionDenied
    if line.pk:
        _editable_line(user, line)
    line.province = province
    line.full_clean()
    line.save()
    return line


@attributed
@transaction.atomic
def disbursement_save(*, user, disbursement: Disbursement) -> Disbursement:
    line = _editable_line(user, disbursement.line)
    others = line.disbursements.exclude(pk=disbursement.pk).aggregate(s=Sum("amount"))["s"]
    total = (others or ZERO) + (disbursement.amount or ZERO)
    if total > line.allocated:
        raise ValidationError(
            {
                "amount": _(
                    "This would bring the disbursed total to %(total)s baht, more than the "
                    "%(allocated)s baht allocated."
                )
                % {"total": baht(total), "allocated": baht(line.allocated)}
            }
        )
    disbursement.full_clean()
    disbursement.save()
    return disbursement


@attributed
@transaction.atomic
def project_save(*, user, project: PendingProject) -> PendingProject:
    _editable_line(user, project.line)
    project.full_clean()
    project.save()
    return project


# ---------------------------------------------------------------- กข.คจ.


def place_fund(fund: KkjFund, village: Village) -> None:
    fund.village = village
    fund.subdistrict_id = village.subdistrict_id
    fund.district_id = village.subdistrict_id[:4]
    fund.province_id = village.subdistrict_id[:2]


@attributed
@transaction.atomic
def kkj_fund_save(*, user, fund: KkjFund, village: Village) -> KkjFund:
    if fund.pk and not KkjFund.objects.editable_by(user).filter(pk=fund.pk).exists():
        raise PermissionDenied
    if not Village.objects.editable_by(user).filter(pk=village.pk).exists():
        raise ValidationError({"village": _("This village is outside your area.")})
    if fund.governance_level not in (1, 2, 3):
        raise ValidationError({"governance_level": _("The governance level must be 1, 2 or 3.")})
    errors = {}
    if fund.assessed_on and fund.assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The assessment date cannot be in the future.")
    at_risk = (fund.problem_amount or ZERO) + (fund.damaged_amount or ZERO)
    if fund.capital is not None and at_risk > fund.capital:
        errors["problem_amount"] = _(
            "Problem and damaged money together (%(at_risk)s baht) cannot be more than "
            "the capital (%(capital)s baht)."
        ) % {"at_risk": baht(at_risk), "capital": baht(fund.capital)}
    if errors:
        raise ValidationError(errors)
    place_fund(fund, village)
    fund.full_clean()
    fund.save()
    return fund


@attributed
@transaction.atomic
def follow_up_save(*, user, follow_up: KkjFollowUp) -> KkjFollowUp:
    if not KkjFund.objects.editable_by(user).filter(pk=follow_up.fund_id).exists():
        raise PermissionDenied
    if not KkjFund.objects.filter(pk=follow_up.fund_id, accelerated=True).exists():
        raise ValidationError(
            _("Monthly follow-up is for funds under accelerated collection; this fund is not.")
        )
    follow_up.month = follow_up.month.replace(day=1)
    if follow_up.month > timezone.localdate():
        raise ValidationError({"month": _("The month cannot be in the future.")})
    if not follow_up.pk:
        follow_up.submitted_by = user
    follow_up.full_clean()
    follow_up.save()
    return follow_up


@attributed
@transaction.atomic
def month_mark_reported(*, user, province: Province, month: date) -> ReportedMonth:
    """Record that the province has reported a month (later changes dated in it are flagged)."""
    if not Province.objects.editable_by(user).filter(pk=province.pk).exists():
        raise PermissionDenied
    if month.replace(day=1) > timezone.localdate():
        raise ValidationError({"month": _("The month cannot be in the future.")})
    obj, _created = ReportedMonth.objects.get_or_create(
        province=province, month=month.replace(day=1), defaults={"reported_by": user}
    )
    return obj
