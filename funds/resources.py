"""Import resources `wdf_loans`, `wdf_payments`, `kkj_funds` (CONTRACT.md column keys) and
`wdf_budget`, `wdf_disbursements` (docs/IMPORTS.md)."""

from collections import Counter
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.registry import snapshot
from audit.services import record_bulk, record_created
from cdd.thai import baht
from imports import parsers
from imports.engine import (
    SAVE_CHUNK,
    BulkChanges,
    CellError,
    Column,
    Resource,
    RowError,
    by_code,
    check_code,
    chunks,
    copy_csv,
    editable_codes,
    register,
    reserve_ids,
)
from villages.models import District, Province, Village

from .choices import BorrowerKind, BudgetLineKind, GovernanceLevel, RevisionKind
from .models import (
    BudgetLine,
    Disbursement,
    Instalment,
    KkjFund,
    ScheduleRevision,
    WdfLoan,
    WdfPayment,
)
from .schedule import equal_parts
from .services import SCHEDULE_FIELDS, reported_months

COPY_CHUNK = 20000
PAYMENT_COLUMNS = [
    "id",
    "loan_id",
    "paid_on",
    "amount",
    "receipt_no",
    "in_reported_month",
    "created_at",
]
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
DISTRICT_CODE = (
    gettext_lazy("No district has code %(code)s."),
    gettext_lazy("District %(code)s is outside your area."),
)
VILLAGE_CODE = (
    gettext_lazy("No village has code %(code)s."),
    gettext_lazy("Village %(code)s is outside your area."),
)


def contract_text(raw):
    value = str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))
    if len(value) > 40:
        raise CellError(_("At most 40 characters."))
    return value


def governance_level(raw):
    try:
        value = int(float(str(raw).strip()))
    except ValueError:
        value = None
    if value not in GovernanceLevel.values:
        raise CellError(
            _("The governance level must be 1, 2 or 3; got %(value)s.") % {"value": str(raw)[:20]}
        )
    return value


# ---------------------------------------------------------------- wdf_loans


@register
class WdfLoanResource(Resource):
    name = "wdf_loans"
    label = gettext_lazy("WDF loan contracts")
    model = WdfLoan
    key = "contract_no"
    columns = [
        Column("contract_no", gettext_lazy("Contract number"), contract_text),
        Column("district_code", gettext_lazy("District code"), parsers.digits(4)),
        Column("borrower_name", gettext_lazy("Borrower"), parsers.text(200)),
        Column("borrower_kind", gettext_lazy("Borrower kind"), parsers.choice(BorrowerKind)),
        Column("principal", gettext_lazy("Principal (baht)"), parsers.baht()),
        Column("contract_date", gettext_lazy("Contract date"), parsers.a_date),
        Column(
            "instalments",
            gettext_lazy("Instalments"),
            parsers.integer(min_value=1, max_value=240),
            required=False,
            default=1,
        ),
        Column("first_due_date", gettext_lazy("First due date"), parsers.a_date),
        Column(
            "interval_months",
            gettext_lazy("Months between instalments"),
            parsers.integer(min_value=1, max_value=120),
            required=False,
            default=12,
        ),
    ]

    def prepare(self, user, rows):
        codes = {r["contract_no"] for r in rows}
        existing = by_code(WdfLoan.objects.select_related("district"), codes, "contract_no")
        ids = [loan.pk for loan in existing.values()]
        revised, paid = set(), {}
        for chunk in chunks(ids):
            revised.update(
                ScheduleRevision.objects.filter(loan_id__in=chunk)
                .exclude(kind=RevisionKind.ORIGINAL)
                .values_list("loan_id", flat=True)
            )
            paid.update(
                WdfPayment.objects.filter(loan_id__in=chunk)
                .values("loan_id")
                .annotate(s=Sum("amount"))
                .values_list("loan_id", "s")
            )
        districts = {r["district_code"] for r in rows}
        return {
            "existing": existing,
            "revised": revised,
            "paid": paid,
            "districts": set(
                District.objects.filter(code__in=districts).values_list("code", flat=True)
            ),
            "allowed": editable_codes(District, user, districts),
        }

    def validate(self, ctx, row, number, errors):
        def err(column, message):
            errors.append(RowError(number, column, message))

        district = row["district_code"]
        known, allowed = ctx["districts"], ctx["allowed"]
        check_code(errors, number, "district_code", district, known, allowed, DISTRICT_CODE)
        if row["principal"] is not None and row["principal"] <= 0:
            err("principal", _("The principal must be more than zero."))
        if row["first_due_date"] < row["contract_date"]:
            err("first_due_date", _("The first due date cannot be before the contract date."))
        loan = ctx["existing"].get(row["contract_no"])
        if loan is None:
            return
        if loan.district_id != district:
            err(
                "contract_no",
                _("Contract number %(no)s is already used in %(district)s.")
                % {"no": row["contract_no"], "district": loan.district},
            )
            return
        if self._terms_changed(loan, row):
            if loan.pk in ctx["revised"]:
                err(
                    "contract_no",
                    _(
                        "Contract %(no)s has been relieved or restructured; its original terms "
                        "can no longer change."
                    )
                    % {"no": row["contract_no"]},
                )
            paid = ctx["paid"].get(loan.pk) or ZERO
            if row["principal"] and paid > row["principal"]:
                err(
                    "principal",
                    _("Payments of %(paid)s baht already exceed this principal.")
                    % {"paid": baht(paid)},
                )

    @staticmethod
    def _values(row):
        return {
            "district_id": row["district_code"],
            "province_id": row["district_code"][:2],
            "borrower_name": row["borrower_name"],
            "borrower_kind": row["borrower_kind"],
            "principal": row["principal"],
            "contract_date": row["contract_date"],
            "instalments": row["instalments"],
            "first_due_date": row["first_due_date"],
            "interval_months": row["interval_months"],
        }

    def _terms_changed(self, loan, row):
        values = self._values(row)
        return any(getattr(loan, f) != values[f] for f in SCHEDULE_FIELDS)

    def save(self, ctx, rows, *, write):
        bulk, reschedule = BulkChanges(WdfLoan), []
        now = timezone.now()
        for row in rows:
            values = self._values(row)
            loan = ctx["existing"].get(row["contract_no"])
            if loan is None:
                loan = WdfLoan(contract_no=row["contract_no"], created_at=now, updated_at=now)
                for f, v in values.items():
                    setattr(loan, f, v)
                bulk.create(loan)
                reschedule.append(loan)
            elif any(getattr(loan, f) != v for f, v in values.items()):
                before = snapshot(loan)
                terms = self._terms_changed(loan, row)
                for f, v in values.items():
                    setattr(loan, f, v)
                loan.updated_at = now
                bulk.update(loan, before)
                if terms:
                    reschedule.append(loan)
            else:
                bulk.keep()
        if write:
            bulk.write([*self._values(rows[0]), "updated_at"])
            self._write_schedules(reschedule)
        return bulk.counts()

    @staticmethod
    def _write_schedules(loans):
        for chunk in chunks(loans, SAVE_CHUNK):
            ScheduleRevision.objects.filter(
                loan__in=[x.pk for x in chunk], kind=RevisionKind.ORIGINAL
            ).delete()
            revisions = ScheduleRevision.objects.bulk_create(
                ScheduleRevision(
                    loan=loan,
                    kind=RevisionKind.ORIGINAL,
                    effective_on=loan.contract_date,
                    remaining=loan.principal,
                    created_at=timezone.now(),
                )
                for loan in chunk
            )
            record_bulk(ScheduleRevision, [("create", r, None) for r in revisions])
            Instalment.objects.bulk_create(
                (
                    Instalment(
                        loan=rev.loan,
                        revision=rev,
                        number=n,
                        due_on=due,
                        amount=amount,
                        valid_from=rev.effective_on,
                    )
                    for rev in revisions
                    for n, due, amount in equal_parts(
                        rev.loan.principal,
                        rev.loan.instalments,
                        rev.loan.first_due_date,
                        rev.loan.interval_months,
                    )
                ),
                batch_size=SAVE_CHUNK,
            )


# ---------------------------------------------------------------- wdf_payments


@register
class WdfPaymentResource(Resource):
    """Always adds. A payment already recorded (same contract, date and amount) is not added
    again, so re-importing a file changes nothing; two equal rows in one file are two
    payments."""

    name = "wdf_payments"
    label = gettext_lazy("WDF payments")
    model = WdfPayment
    key = None
    columns = [
        Column("contract_no", gettext_lazy("Contract number"), contract_text),
        Column("paid_on", gettext_lazy("Payment date"), parsers.a_date),
        Column("amount", gettext_lazy("Amount (baht)"), parsers.baht()),
        Column(
            "receipt_no",
            gettext_lazy("Receipt number"),
            parsers.text(40),
            required=False,
            default="",
        ),
    ]

    def prepare(self, user, rows):
        codes = {r["contract_no"] for r in rows}
        allowed = WdfLoan.objects.all() if user is None else WdfLoan.objects.editable_by(user)
        loans, visible = {}, set()
        for chunk in chunks(codes):
            for pk, no, principal, signed, province in WdfLoan.objects.filter(
                contract_no__in=chunk
            ).values_list("pk", "contract_no", "principal", "contract_date", "province_id"):
                loans[no] = (pk, principal, signed, province)
            visible.update(allowed.filter(contract_no__in=chunk).values_list("pk", flat=True))
        ids = [v[0] for v in loans.values()]
        paid, seen = {}, Counter()
        for chunk in chunks(ids):
            paid.update(
                WdfPayment.objects.filter(loan_id__in=chunk)
                .values("loan_id")
                .annotate(s=Sum("amount"))
                .values_list("loan_id", "s")
            )
            for loan_id, day, amount, n in (
                WdfPayment.objects.filter(loan_id__in=chunk)
                .values("loan_id", "paid_on", "amount")
                .annotate(n=Count("pk"))
                .values_list("loan_id", "paid_on", "amount", "n")
            ):
                seen[(loan_id, day, amount)] = n
        return {
            "loans": loans,
            "allowed": visible,
            "paid": paid,
            "seen": seen,
            "in_file": Counter(),
            "today": timezone.localdate(),
            "reported": reported_months({v[3] for v in loans.values()}),
        }

    def _is_new(self, ctx, loan_id, row) -> bool:
        """Whether this row adds a payment (rather than repeating one already recorded)."""
        key = (loan_id, row["paid_on"], row["amount"])
        ctx["in_file"][key] += 1
        return ctx["in_file"][key] > ctx["seen"][key]

    def validate(self, ctx, row, number, errors):
        def err(column, message):
            errors.append(RowError(number, column, message))

        loan = ctx["loans"].get(row["contract_no"])
        if loan is None:
            err("contract_no", _("No contract has number %(no)s.") % {"no": row["contract_no"]})
            return
        loan_id, principal, signed, _province = loan
        if loan_id not in ctx["allowed"]:
            err(
                "contract_no",
                _("Contract %(no)s is outside your area.") % {"no": row["contract_no"]},
            )
            return
        amount = row["amount"]
        if amount <= 0:
            err("amount", _("The amount must be more than zero."))
        if row["paid_on"] < signed:
            err("paid_on", _("The payment date is before the contract date."))
        elif row["paid_on"] > ctx["today"]:
            err("paid_on", _("The payment date cannot be in the future."))
        row["_new"] = self._is_new(ctx, loan_id, row)
        if row["_new"] and amount > 0:
            already = ctx["paid"].get(loan_id) or ZERO
            if amount > principal - already:
                err(
                    "amount",
                    _(
                        "The payment %(amount)s baht is more than the %(remaining)s baht that "
                        "remains on contract %(no)s."
                    )
                    % {
                        "amount": baht(amount),
                        "remaining": baht(principal - already),
                        "no": row["contract_no"],
                    },
                )
            ctx["paid"][loan_id] = already + amount

    def save(self, ctx, rows, *, write):
        if write and connection.vendor == "postgresql":
            return _copy_payments(ctx, rows)
        created = unchanged = 0
        now = timezone.now()
        # One contract object per contract: str(payment) in the audit entry reads its number
        # without a query per payment.
        stubs = {}
        for chunk in chunks(rows, SAVE_CHUNK):
            new = []
            for row in chunk:
                if not row.get("_new"):
                    unchanged += 1
                    continue
                loan_id, _p, _s, province = ctx["loans"][row["contract_no"]]
                loan = stubs.get(loan_id)
                if loan is None:
                    loan = stubs[loan_id] = WdfLoan(pk=loan_id, contract_no=row["contract_no"])
                new.append(
                    WdfPayment(
                        loan=loan,
                        paid_on=row["paid_on"],
                        amount=row["amount"].quantize(CENT),
                        receipt_no=row["receipt_no"] or "",
                        in_reported_month=(province, row["paid_on"].replace(day=1))
                        in ctx["reported"],
                        created_at=now,
                    )
                )
            created += len(new)
            if write and new:
                WdfPayment.objects.bulk_create(new, batch_size=SAVE_CHUNK)
                record_bulk(WdfPayment, [("create", p, None) for p in new])
        return created, 0, unchanged


def _copy_payments(ctx, rows):
    """PostgreSQL: COPY the new payments straight from the parsed rows, ids taken from the
    table's sequence first, and their audit entries with the same snapshot as the model's
    (no model instances: several times faster for 400,000 rows)."""
    table = WdfPayment._meta.db_table
    now = timezone.now()
    stamp = now.isoformat()
    created = unchanged = 0
    for chunk in chunks(rows, COPY_CHUNK):
        new = [row for row in chunk if row.get("_new")]
        unchanged += len(chunk) - len(new)
        created += len(new)
        if not new:
            continue
        with connection.cursor() as cursor:
            ids = reserve_ids(cursor, table, len(new))
            lines, audit = [], []
            for pk, row in zip(ids, new, strict=True):
                loan_id, _p, _s, province = ctx["loans"][row["contract_no"]]
                day, amount = row["paid_on"].isoformat(), str(row["amount"].quantize(CENT))
                flagged = (province, row["paid_on"].replace(day=1)) in ctx["reported"]
                receipt = row["receipt_no"] or ""
                lines.append([pk, loan_id, day, amount, receipt, "t" if flagged else "f", stamp])
                audit.append(
                    (
                        pk,
                        f"{row['contract_no']} {day} {amount}",
                        {
                            "loan": loan_id,
                            "paid_on": day,
                            "amount": amount,
                            "receipt_no": receipt,
                            "in_reported_month": flagged,
                            "created_at": stamp,
                        },
                    )
                )
            copy_csv(cursor, table, PAYMENT_COLUMNS, lines, not_null=["receipt_no"])
        record_created(WdfPayment, audit)
    return created, 0, unchanged


# ---------------------------------------------------------------- kkj_funds


@register
class KkjFundResource(Resource):
    name = "kkj_funds"
    label = gettext_lazy("กข.คจ. village funds")
    model = KkjFund
    key = "village_code"
    columns = [
        Column("village_code", gettext_lazy("Village code"), parsers.digits(8)),
        Column("capital", gettext_lazy("Capital (baht)"), parsers.baht()),
        Column("governance_level", gettext_lazy("Governance level"), governance_level),
        Column("assessed_on", gettext_lazy("Assessed on"), parsers.a_date),
        Column("accelerated", gettext_lazy("Accelerated collection"), parsers.yes_no),
        Column(
            "problem_amount",
            gettext_lazy("Problem money (baht)"),
            parsers.baht(),
            required=False,
            default=ZERO,
        ),
        Column(
            "damaged_amount",
            gettext_lazy("Damaged money (baht)"),
            parsers.baht(),
            required=False,
            default=ZERO,
        ),
    ]
    FIELDS = [
        "capital",
        "governance_level",
        "assessed_on",
        "accelerated",
        "problem_amount",
        "damaged_amount",
    ]

    def prepare(self, user, rows):
        codes = {r["village_code"] for r in rows}
        villages = {}
        for chunk in chunks(codes):
            villages.update(
                {
                    c: (pk, s)
                    for pk, c, s in Village.objects.filter(code__in=chunk).values_list(
                        "pk", "code", "subdistrict_id"
                    )
                }
            )
        existing = {}
        for chunk in chunks([v[0] for v in villages.values()]):
            existing.update({f.village_id: f for f in KkjFund.objects.filter(village_id__in=chunk)})
        return {
            "villages": villages,
            "allowed": editable_codes(Village, user, codes),
            "existing": existing,
            "today": timezone.localdate(),
        }

    def validate(self, ctx, row, number, errors):
        code = row["village_code"]
        known, allowed = ctx["villages"], ctx["allowed"]
        check_code(errors, number, "village_code", code, known, allowed, VILLAGE_CODE)
        if row["assessed_on"] > ctx["today"]:
            errors.append(RowError(number, "assessed_on", _("The date cannot be in the future.")))

    def save(self, ctx, rows, *, write):
        bulk = BulkChanges(KkjFund)
        for row in rows:
            village_id, sub = ctx["villages"][row["village_code"]]
            values = {f: row[f] for f in self.FIELDS}
            fund = ctx["existing"].get(village_id)
            if fund is None:
                fund = KkjFund(
                    village_id=village_id,
                    subdistrict_id=sub,
                    district_id=sub[:4],
                    province_id=sub[:2],
                    updated_at=timezone.now(),
                    **values,
                )
                bulk.create(fund)
            elif any(getattr(fund, f) != v for f, v in values.items()):
                before = snapshot(fund)
                for f, v in values.items():
                    setattr(fund, f, v)
                fund.updated_at = timezone.now()
                bulk.update(fund, before)
            else:
                bulk.keep()
        if write:
            bulk.write([*self.FIELDS, "updated_at"])
        return bulk.counts()


# ---------------------------------------------------------------- budget lines


def _line_key(row):
    return (row["province_code"], row["fiscal_year"], row["line"])


@register
class BudgetLineResource(Resource):
    name = "wdf_budget"
    label = gettext_lazy("WDF budget lines")
    model = BudgetLine
    key = None  # the key is province_code + fiscal_year + line
    columns = [
        Column("province_code", gettext_lazy("Province code"), parsers.digits(2)),
        Column("fiscal_year", gettext_lazy("Fiscal year (B.E.)"), parsers.be_year),
        Column("line", gettext_lazy("Budget line"), parsers.choice(BudgetLineKind)),
        Column("allocated", gettext_lazy("Allocated (baht)"), parsers.baht()),
        Column(
            "return_due_on",
            gettext_lazy("Unspent money returned by"),
            parsers.a_date,
            required=False,
        ),
    ]

    def prepare(self, user, rows):
        provinces = {r["province_code"] for r in rows}
        existing = {
            (line.province_id, line.fiscal_year, line.kind): line
            for line in BudgetLine.objects.filter(province_id__in=provinces)
        }
        return {
            "provinces": set(
                Province.objects.filter(code__in=provinces).values_list("code", flat=True)
            ),
            "allowed": editable_codes(Province, user, provinces),
            "existing": existing,
            "seen": {},
        }

    def validate(self, ctx, row, number, errors):
        _check_province(ctx, row, number, errors)
        key = _line_key(row)
        if key in ctx["seen"]:
            errors.append(
                RowError(
                    number,
                    "line",
                    _("Duplicate of row %(row)s in this file.") % {"row": ctx["seen"][key]},
                )
            )
        ctx["seen"][key] = number

    def save(self, ctx, rows, *, write):
        created = updated = unchanged = 0
        for row in rows:
            line = ctx["existing"].get(_line_key(row))
            values = {"allocated": row["allocated"], "return_due_on": row["return_due_on"]}
            if line is None:
                created += 1
                if write:
                    BudgetLine.objects.create(
                        province_id=row["province_code"],
                        fiscal_year=row["fiscal_year"],
                        kind=row["line"],
                        **values,
                    )
            elif any(getattr(line, f) != v for f, v in values.items()):
                updated += 1
                if write:
                    for f, v in values.items():
                        setattr(line, f, v)
                    line.save()
            else:
                unchanged += 1
        return created, updated, unchanged


def _check_province(ctx, row, number, errors):
    code = row["province_code"]
    if code not in ctx["provinces"]:
        errors.append(
            RowError(number, "province_code", _("No province has code %(code)s.") % {"code": code})
        )
    elif code not in ctx["allowed"]:
        errors.append(
            RowError(
                number,
                "province_code",
                _("You may not change the budget of province %(code)s.") % {"code": code},
            )
        )


@register
class DisbursementResource(Resource):
    """Always adds; a disbursement already recorded (same line, date, amount and project) is
    not added again."""

    name = "wdf_disbursements"
    label = gettext_lazy("WDF budget disbursements")
    model = Disbursement
    key = None
    columns = [
        Column("province_code", gettext_lazy("Province code"), parsers.digits(2)),
        Column("fiscal_year", gettext_lazy("Fiscal year (B.E.)"), parsers.be_year),
        Column("line", gettext_lazy("Budget line"), parsers.choice(BudgetLineKind)),
        Column("date", gettext_lazy("Date"), parsers.a_date),
        Column("amount", gettext_lazy("Amount (baht)"), parsers.baht()),
        Column("project", gettext_lazy("Project"), parsers.text(300)),
    ]

    def prepare(self, user, rows):
        provinces = {r["province_code"] for r in rows}
        lines = {
            (line.province_id, line.fiscal_year, line.kind): line
            for line in BudgetLine.objects.filter(province_id__in=provinces)
        }
        seen = Counter(
            Disbursement.objects.filter(line__in=lines.values()).values_list(
                "line_id", "paid_on", "amount", "project"
            )
        )
        return {
            "provinces": set(
                Province.objects.filter(code__in=provinces).values_list("code", flat=True)
            ),
            "allowed": editable_codes(Province, user, provinces),
            "lines": lines,
            "seen": seen,
            "in_file": Counter(),
            "today": timezone.localdate(),
        }

    def validate(self, ctx, row, number, errors):
        _check_province(ctx, row, number, errors)
        line = ctx["lines"].get(_line_key(row))
        if line is None and row["province_code"] in ctx["allowed"]:
            errors.append(
                RowError(
                    number,
                    "line",
                    _("Province %(code)s has no %(line)s line for fiscal year %(fy)s.")
                    % {
                        "code": row["province_code"],
                        "line": BudgetLineKind(row["line"]).label,
                        "fy": row["fiscal_year"],
                    },
                )
            )
        if row["amount"] <= 0:
            errors.append(RowError(number, "amount", _("The amount must be more than zero.")))
        if row["date"] > ctx["today"]:
            errors.append(RowError(number, "date", _("The date cannot be in the future.")))

    def save(self, ctx, rows, *, write):
        new, unchanged = [], 0
        for row in rows:
            line = ctx["lines"][_line_key(row)]
            key = (line.pk, row["date"], row["amount"], row["project"])
            ctx["in_file"][key] += 1
            if ctx["in_file"][key] <= ctx["seen"][key]:
                unchanged += 1
                continue
            new.append(
                Disbursement(
                    line=line, paid_on=row["date"], amount=row["amount"], project=row["project"]
                )
            )
        if write and new:
            Disbursement.objects.bulk_create(new)
            record_bulk(Disbursement, [("create", d, None) for d in new])
        return len(new), 0, unchanged
