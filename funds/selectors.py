"""Reads of the community-fund ledgers: WDF debt figures as of a date, the follow-up list,
budget lines and กข.คจ. totals. The monthly report's `wdf` and `kkj` sections come from here.

How the WDF figures are computed (CONTRACT.md, `wdf_loans`), for a contract on date D:

- the schedule in force on D is the revision whose period covers D (``valid_from <= D <
  valid_to``): the original until a relief round or restructure replaces it;
- receivables R = principal - payments made up to and including D;
- not yet due N(t) = the parts of that schedule due on or after t;
- payments settle the oldest part first, so the unpaid part of everything due before t is
  max(0, R - N(t)). With t = D that is the overdue debt; with t = D - 30 it is the debt
  more than 30 days late, and so on for 90, 180 and 365 days: the ageing buckets are the
  differences.

One SQL statement groups payments and parts per contract and sums per district, so the
database does the work whatever the number of contracts.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cdd.thai import fiscal_year, fiscal_year_bounds, json_number, money, percent
from villages.models import District, Subdistrict

from .choices import BUDGET_LINES, BudgetLineKind, GovernanceLevel, ProjectStatus
from .models import (
    BudgetLine,
    Disbursement,
    Instalment,
    KkjFollowUp,
    KkjFund,
    LoanPaidTotal,
    PendingProject,
    WdfLoan,
    WdfPayment,
)

CENT = Decimal("0.01")
HALF_SATANG = Decimal("0.005")
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
REDUCTION_TARGET_PCT = Decimal("10")  # cut overdue debt by at least 10% of the baseline
OVERDUE_CEILING_PCT = Decimal("10")  # keep overdue debt under 10% of receivables
AGES = (30, 90, 180, 365)
BUCKETS = ("1_30", "31_90", "91_180", "181_365", "over_365")
RETURN_WARNING_DAYS = 30


def baseline_date(as_of: date) -> date:
    """1 October of the fiscal year that contains ``as_of``."""
    return fiscal_year_bounds(fiscal_year(as_of))[0]


def _positive(expr: str) -> str:
    """max(expr, 0), with the expression written (and evaluated) once."""
    return f"GREATEST({expr}, 0)" if connection.vendor == "postgresql" else f"MAX({expr}, 0)"


def _per_loan_sql(loans, dates: list[date], ages=AGES) -> tuple[str, list]:
    """SQL with one row per contract of ``loans`` for several dates at once: id, district_id,
    and for each date k: s{k} (1 when signed by then), r{k} (receivables), o{k}_0 (overdue)
    and o{k}_1..o{k}_4 (unpaid more than 30, 90, 180, 365 days late).

    Payments and parts are each read once, grouped per contract. Only the payments after the
    first date are read: paid up to a date is the contract's total paid (``LoanPaidTotal``)
    minus the payments after it. Whether a part is in force on date k is worked out once per
    part (a{k}); parts due before every threshold are left out, as they are never "not yet
    due". Only the first date gets ageing columns, for ``ages`` (the others are 0); the other
    dates (the 1 October baseline) only need the overdue debt."""
    scope_sql, scope_params = loans.order_by().values("id").query.sql_with_params()
    # The contracts themselves, read once through the same scope.
    loans_sql, loans_params = (
        loans.order_by().values("id", "district_id", "principal", "contract_date").query
    ).sql_with_params()
    pay_t, part_t, total_t = (
        WdfPayment._meta.db_table,
        Instalment._meta.db_table,
        LoanPaidTotal._meta.db_table,
    )
    first, last = min(dates), max(dates)
    earliest = min(first, dates[0] - timedelta(days=max(ages, default=0)))
    paid_cols, in_force_cols, part_cols, mid_cols, outer_cols = [], [], [], [], []
    paid_params, in_force_params, part_params, mid_params = [], [], [], []
    for k, day in enumerate(dates):
        # Paid up to the day = the contract's total (kept by triggers) - what came after.
        if day == first:  # every payment read is after the first date
            paid_cols.append(f"SUM(amount) AS later{k}")
        else:
            paid_cols.append(f"SUM(CASE WHEN paid_on > %s THEN amount ELSE 0 END) AS later{k}")
            paid_params.append(day)
        in_force_cols.append(
            "CASE WHEN valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) "
            f"THEN amount END AS a{k}"
        )
        in_force_params += [day, day]
        thresholds = [day] + ([day - timedelta(days=n) for n in ages] if k == 0 else [])
        for i, t in enumerate(thresholds):
            part_cols.append(f"SUM(CASE WHEN due_on >= %s THEN a{k} END) AS n{k}_{i}")
            part_params.append(t)
        mid_cols.append(f"CASE WHEN l.contract_date <= %s THEN 1 ELSE 0 END AS s{k}")
        mid_cols.append(
            "CASE WHEN l.contract_date <= %s "
            f"THEN l.principal - COALESCE(t.paid, 0) + COALESCE(p.later{k}, 0) ELSE 0 END AS r{k}"
        )
        mid_params += [day, day]
        mid_cols += [f"COALESCE(s.n{k}_{i}, 0) AS n{k}_{i}" for i in range(len(thresholds))]
        outer_cols += [f"s{k}", f"r{k}"]
        for i in range(len(AGES) + 1):
            if i < len(thresholds):
                outer_cols.append(f"{_positive(f'r{k} - n{k}_{i}')} AS o{k}_{i}")
            else:
                outer_cols.append(f"0 AS o{k}_{i}")
    # OFFSET 0 keeps the middle query a separate step, so r{k} is computed once per contract.
    sql = f"""
        SELECT id, district_id, {", ".join(outer_cols)} FROM (
            SELECT l.id, l.district_id, {", ".join(mid_cols)}
            FROM ({loans_sql}) l
            LEFT JOIN {total_t} t ON t.loan_id = l.id
            LEFT JOIN (
                SELECT loan_id, {", ".join(paid_cols)} FROM {pay_t}
                WHERE paid_on > %s AND loan_id IN ({scope_sql}) GROUP BY loan_id
            ) p ON p.loan_id = l.id
            LEFT JOIN (
                SELECT loan_id, {", ".join(part_cols)} FROM (
                    SELECT loan_id, due_on, {", ".join(in_force_cols)} FROM {part_t}
                    WHERE valid_from <= %s AND due_on >= %s AND loan_id IN ({scope_sql})
                ) AS parts GROUP BY loan_id
            ) s ON s.loan_id = l.id
            WHERE l.contract_date <= %s
            {"OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"}
        ) AS balances
    """
    params = [
        *mid_params,
        *loans_params,
        *paid_params,
        first,
        *scope_params,
        *part_params,
        *in_force_params,
        last,
        earliest,
        *scope_params,
        last,
    ]
    return sql, params


def _scoped_loans(user, level=None, code=None):
    loans = WdfLoan.objects.visible_to(user)
    if level and code:
        loans = loans.in_area(level, code)
    return loans


def _sums(k: int) -> list[str]:
    """The SQL sums of date k over per-contract rows (see ``_per_loan_sql``)."""
    return [
        f"SUM(s{k})",
        f"SUM(r{k})",
        *[f"SUM(o{k}_{i})" for i in range(len(AGES) + 1)],
        f"SUM(CASE WHEN o{k}_1 > 0 THEN r{k} ELSE 0 END)",
        f"SUM(CASE WHEN o{k}_0 > 0 THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN r{k} > 0 THEN 1 ELSE 0 END)",
    ]


SUMS_WIDTH = 6 + len(AGES)  # count, receivables, 5 overdue sums, PAR30, arrears, open


def _parse_sums(values) -> dict | None:
    n, r, o0, o30, o90, o180, o365, par30, arrears, open_ = values
    if not n:
        return None
    return {
        "contracts": int(n),
        "open_contracts": int(open_ or 0),
        "contracts_in_arrears": int(arrears or 0),
        "receivables": money(r),
        "overdue": money(o0),
        "over": [money(o30), money(o90), money(o180), money(o365)],
        "par30_balance": money(par30),
    }


def _debt_by_district(loans, dates: list[date]) -> list[dict[str, dict]]:
    """For each date: district code -> receivables, overdue, ageing, PAR30 balance, counts."""
    sql, params = _per_loan_sql(loans, dates)
    sums = [expr for k in range(len(dates)) for expr in _sums(k)]
    sql = f"SELECT district_id, {', '.join(sums)} FROM ({sql}) AS per_loan GROUP BY district_id"
    out = [{} for _day in dates]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            for k in range(len(dates)):
                parsed = _parse_sums(row[1 + k * SUMS_WIDTH : 1 + (k + 1) * SUMS_WIDTH])
                if parsed:
                    out[k][row[0]] = parsed
    return out


def _empty():
    return {
        "contracts": 0,
        "open_contracts": 0,
        "contracts_in_arrears": 0,
        "receivables": ZERO,
        "overdue": ZERO,
        "over": [ZERO] * 4,
        "par30_balance": ZERO,
    }


def _add(a: dict, b: dict) -> dict:
    return {
        "contracts": a["contracts"] + b["contracts"],
        "open_contracts": a["open_contracts"] + b["open_contracts"],
        "contracts_in_arrears": a["contracts_in_arrears"] + b["contracts_in_arrears"],
        "receivables": a["receivables"] + b["receivables"],
        "overdue": a["overdue"] + b["overdue"],
        "over": [x + y for x, y in zip(a["over"], b["over"], strict=True)],
        "par30_balance": a["par30_balance"] + b["par30_balance"],
    }


def _figures(now: dict, base: dict) -> dict:
    """The KPI figures from the raw sums as of D and as of the baseline date."""
    overdue, receivables, baseline = now["overdue"], now["receivables"], base["overdue"]
    o0, (o30, o90, o180, o365) = overdue, now["over"]
    managed = baseline - overdue
    reduction = percent(managed, baseline) if managed > 0 else ZERO
    target_overdue = (baseline * (100 - REDUCTION_TARGET_PCT) / 100).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    # Collecting x lowers overdue and receivables alike: (o - x) <= 10% (r - x).
    ceiling_gap = (overdue - receivables * OVERDUE_CEILING_PCT / 100) / (
        1 - OVERDUE_CEILING_PCT / 100
    )
    return {
        "contracts": now["contracts"],
        "open_contracts": now["open_contracts"],
        "contracts_in_arrears": now["contracts_in_arrears"],
        "receivables": receivables,
        "overdue_now": overdue,
        "ageing": dict(
            zip(BUCKETS, [o0 - o30, o30 - o90, o90 - o180, o180 - o365, o365], strict=True)
        ),
        "par30_balance": now["par30_balance"],
        "par30_pct": percent(now["par30_balance"], receivables),
        "overdue_baseline": baseline,
        "managed": managed,
        "reduction_pct": reduction,
        "meets_reduction_target": baseline == 0 or reduction >= REDUCTION_TARGET_PCT,
        "to_collect_for_target": max(ZERO, overdue - target_overdue),
        "overdue_ratio_pct": percent(overdue, receivables),
        "within_ceiling": overdue * 100 < receivables * OVERDUE_CEILING_PCT or receivables == 0,
        "to_collect_for_ceiling": max(ZERO, ceiling_gap.quantize(CENT, rounding=ROUND_HALF_UP)),
    }


def wdf_debt(*, user, as_of: date, level: str | None = None, code: str | None = None) -> dict:
    """WDF debt figures as of a date for an area, one row per district and a total.

    Rows list every district of the area the user may see, in official code order.
    """
    loans = _scoped_loans(user, level, code)
    base_on = baseline_date(as_of)
    now_rows, base_rows = _debt_by_district(loans, [as_of, base_on])
    districts = District.objects.visible_to(user)
    if level and code:
        districts = districts.in_area(level, code)
    rows = []
    total_now, total_base = _empty(), _empty()
    for district in districts.order_by("code"):
        now, base = now_rows.get(district.code, _empty()), base_rows.get(district.code, _empty())
        total_now, total_base = _add(total_now, now), _add(total_base, base)
        rows.append({"code": district.code, "name": str(district), **_figures(now, base)})
    return {
        "as_of": as_of,
        "baseline_on": base_on,
        "fiscal_year": fiscal_year(as_of),
        "rows": rows,
        "total": _figures(total_now, total_base),
    }


def overdue_trend(*, user, dates: list[date], level=None, code=None) -> list[tuple[date, Decimal]]:
    """The area's overdue WDF debt at each date (e.g. every month's end), in one statement."""
    per_date = _debt_by_district(_scoped_loans(user, level, code), list(dates))
    return [
        (day, sum((row["overdue"] for row in rows.values()), ZERO))
        for day, rows in zip(dates, per_date, strict=True)
    ]


def loan_figures(loan: WdfLoan, as_of: date) -> dict:
    """One contract's figures as of a date (the contract page)."""
    loans = WdfLoan.objects.filter(pk=loan.pk)
    now, base = (
        rows.get(loan.district_id, _empty())
        for rows in _debt_by_district(loans, [as_of, baseline_date(as_of)])
    )
    return _figures(now, base)


LABELS_WIDTH = 12  # the follow-up list's columns before the totals


def follow_up_list(*, user, as_of: date, level=None, code=None) -> dict:
    """Contracts in arrears on ``as_of``, largest overdue first (then the oldest), with the
    oldest unpaid due date, and the running total against what the 10% target needs."""
    loans = _scoped_loans(user, level, code)
    # The list needs the overdue debt and what is more than 30 days late, not the other ages.
    sql, params = _per_loan_sql(loans, [as_of, baseline_date(as_of)], ages=AGES[:1])
    part_t, loan_t = Instalment._meta.db_table, WdfLoan._meta.db_table
    district_t, subdistrict_t = District._meta.db_table, Subdistrict._meta.db_table
    collate_c = 'COLLATE "C"' if connection.vendor == "postgresql" else ""
    totals = ", ".join(_sums(0) + _sums(1))
    padding = ", ".join(["NULL"] * (2 * SUMS_WIDTH))
    # The oldest part still (partly) unpaid: parts are settled oldest first, so the overdue
    # debt sits in the latest overdue parts; a part is unpaid when the parts due after it
    # (and before D) add up to less than the overdue debt.
    sql = f"""
        WITH per_loan AS ({sql}),
        arrears AS (SELECT * FROM per_loan WHERE o0_0 > 0),
        parts AS (
            SELECT i.loan_id, i.due_on, i.amount,
                   SUM(i.amount) OVER (
                       PARTITION BY i.loan_id ORDER BY i.due_on DESC, i.number DESC
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                   ) AS later
            FROM {part_t} i
            WHERE i.loan_id IN (SELECT id FROM arrears)
              AND i.valid_from <= %s AND (i.valid_to IS NULL OR i.valid_to > %s)
              AND i.due_on < %s
        ),
        oldest AS (
            SELECT parts.loan_id, MIN(parts.due_on) AS oldest_due
            FROM parts JOIN arrears a ON a.id = parts.loan_id
            WHERE parts.later - parts.amount < a.o0_0
            GROUP BY parts.loan_id
        )
        SELECT a.id, a.r0, a.o0_0, a.o0_1, oldest.oldest_due,
               l.contract_no {collate_c}, l.borrower_name, l.borrower_kind, l.district_id,
               d.name_th, l.subdistrict_id, sd.name_th, {padding}
        FROM arrears a
        JOIN {loan_t} l ON l.id = a.id
        JOIN {district_t} d ON d.code = l.district_id
        LEFT JOIN {subdistrict_t} sd ON sd.code = l.subdistrict_id
        LEFT JOIN oldest ON oldest.loan_id = a.id
        UNION ALL
        SELECT {", ".join(["NULL"] * LABELS_WIDTH)}, {totals} FROM per_loan
        ORDER BY 3 DESC, 5 ASC NULLS LAST, 6
    """
    # Largest overdue first, then the oldest unpaid part, then the contract number (byte
    # order). The totals row has no id.
    params = [*params, as_of, as_of, as_of]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    sums = next(r[LABELS_WIDTH:] for r in raw if r[0] is None)
    now = _parse_sums(sums[:SUMS_WIDTH]) or _empty()
    base = _parse_sums(sums[SUMS_WIDTH:]) or _empty()
    debt = _figures(now, base)
    del debt["ageing"]  # only computed to 30 days here; the figures page has the buckets
    need = debt["to_collect_for_target"]
    # What a list row shows of the contract, without model instances (the list can hold tens
    # of thousands of contracts); one object per district and subdistrict.
    districts, subdistricts = {}, {None: None}
    rows, running = [], ZERO
    for row in raw:
        pk = row[0]
        if pk is None:
            continue
        r, o0, o30, oldest, no, name, kind, d, d_name, sub, sub_name = row[1:LABELS_WIDTH]
        if isinstance(oldest, str):
            oldest = date.fromisoformat(oldest)
        district = districts.get(d)
        if district is None:
            district = districts[d] = SimpleNamespace(code=d, name_th=d_name)
        subdistrict = subdistricts.get(sub)
        if subdistrict is None and sub:
            subdistrict = subdistricts[sub] = SimpleNamespace(code=sub, name_th=sub_name)
        overdue = money(o0)
        running += overdue
        rows.append(
            {
                "loan": SimpleNamespace(
                    pk=pk,
                    id=pk,
                    contract_no=no,
                    borrower_name=name,
                    borrower_kind=kind,
                    district_id=d,
                    district=district,
                    subdistrict_id=sub,
                    subdistrict=subdistrict,
                ),
                "receivables": money(r),
                "overdue": overdue,
                "over_30": money(o30),
                "oldest_due": oldest,
                "days_late": (as_of - oldest).days if oldest else None,
                "running": running,
                "reaches_target": need > 0 and running >= need and running - overdue < need,
            }
        )
    return {"as_of": as_of, "rows": rows, "figures": debt}


def with_balances(loans, day: date):
    """Annotate ``receivables_now`` and ``overdue_now`` as of ``day``, with the definitions of
    ``funds.selectors`` (receivables = principal - payments up to and including the day;
    overdue = max(0, receivables - the parts of the schedule in force not yet due)). Used by
    the contract list and the relief screen; the figures pages use the selectors."""
    paid = (
        WdfPayment.objects.filter(loan=OuterRef("pk"), paid_on__lte=day)
        .order_by()
        .values("loan")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    not_due = (
        Instalment.objects.filter(loan=OuterRef("pk"), valid_from__lte=day, due_on__gte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by()
        .values("loan")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    receivables = ExpressionWrapper(
        F("principal") - Coalesce(Subquery(paid, output_field=MONEY_FIELD), Value(ZERO)),
        output_field=MONEY_FIELD,
    )
    gap = ExpressionWrapper(
        F("receivables_now") - Coalesce(Subquery(not_due, output_field=MONEY_FIELD), Value(ZERO)),
        output_field=MONEY_FIELD,
    )
    return (
        loans.annotate(receivables_now=receivables)
        .annotate(gap_now=gap)
        .annotate(
            overdue_now=Case(
                When(contract_date__lte=day, gap_now__gt=HALF_SATANG, then=F("gap_now")),
                default=Value(ZERO),
                output_field=MONEY_FIELD,
            )
        )
    )


# ---------------------------------------------------------------- budget


def budget_lines(*, user, province: str, fy: int, as_of: date | None = None) -> dict:
    """Budget lines of a province's fiscal year with disbursed and % disbursed, pending
    projects and the "if approved" projection, and return-date warnings."""
    as_of = as_of or timezone.localdate()
    lines = {
        line.kind: line
        for line in BudgetLine.objects.visible_to(user).filter(province_id=province, fiscal_year=fy)
    }
    disbursed = dict(
        Disbursement.objects.filter(line__in=lines.values(), paid_on__lte=as_of)
        .values("line__kind")
        .annotate(s=Sum("amount"))
        .values_list("line__kind", "s")
    )
    waiting = dict(
        PendingProject.objects.filter(
            line__in=lines.values(), status=ProjectStatus.WAITING, submitted_on__lte=as_of
        )
        .values("line__kind")
        .annotate(s=Sum("amount"))
        .values_list("line__kind", "s")
    )
    out, total = [], {"allocated": ZERO, "disbursed": ZERO, "waiting": ZERO}
    for kind in BUDGET_LINES:
        line = lines.get(kind)
        allocated = line.allocated if line else ZERO
        spent, pending = money(disbursed.get(kind)), money(waiting.get(kind))
        unspent = allocated - spent
        warn = bool(
            line
            and kind == BudgetLineKind.REVOLVING
            and line.return_due_on
            and unspent > 0
            and as_of <= line.return_due_on <= as_of + timedelta(days=RETURN_WARNING_DAYS)
        )
        overdue_return = bool(
            line
            and kind == BudgetLineKind.REVOLVING
            and line.return_due_on
            and unspent > 0
            and line.return_due_on < as_of
        )
        out.append(
            {
                "line": kind,
                "label": BudgetLineKind(kind).label,
                "obj": line,
                "allocated": allocated,
                "disbursed": spent,
                "pct": percent(spent, allocated),
                "unspent": unspent,
                "waiting": pending,
                "pct_if_approved": percent(spent + pending, allocated),
                "return_due_on": line.return_due_on if line else None,
                "return_warning": warn,
                "return_overdue": overdue_return,
            }
        )
        total["allocated"] += allocated
        total["disbursed"] += spent
        total["waiting"] += pending
    total.update(
        line="total",
        pct=percent(total["disbursed"], total["allocated"]),
        pct_if_approved=percent(total["disbursed"] + total["waiting"], total["allocated"]),
        unspent=total["allocated"] - total["disbursed"],
    )
    return {"fiscal_year": fy, "lines": out, "total": total}


# ---------------------------------------------------------------- กข.คจ.


def _kkj_aggregates():
    aggs = {
        "funds": Count("pk"),
        "capital": Sum("capital"),
        "accelerated_funds": Count("pk", filter=Q(accelerated=True)),
        "problem_amount": Sum("problem_amount"),
        "damaged_amount": Sum("damaged_amount"),
    }
    for level in GovernanceLevel.values:
        aggs[f"level_{level}"] = Count("pk", filter=Q(governance_level=level))
    return aggs


def _kkj_shape(raw: dict) -> dict:
    problem, damaged = money(raw.get("problem_amount")), money(raw.get("damaged_amount"))
    return {
        "funds": raw.get("funds") or 0,
        "capital": money(raw.get("capital")),
        "levels": {str(v): raw.get(f"level_{v}") or 0 for v in GovernanceLevel.values},
        "accelerated_funds": raw.get("accelerated_funds") or 0,
        "problem_amount": problem,
        "damaged_amount": damaged,
        "at_risk_amount": problem + damaged,
    }


def kkj_totals(*, user, level=None, code=None) -> dict:
    """กข.คจ. totals for an area: one row per district and the total."""
    funds = KkjFund.objects.visible_to(user)
    districts = District.objects.visible_to(user)
    if level and code:
        funds, districts = funds.in_area(level, code), districts.in_area(level, code)
    grouped = {
        r["district_id"]: r
        for r in funds.values("district_id").annotate(**_kkj_aggregates()).order_by()
    }
    rows = [
        {"code": d.code, "name": str(d), **_kkj_shape(grouped.get(d.code, {}))}
        for d in districts.order_by("code")
    ]
    return {"rows": rows, "total": _kkj_shape(funds.aggregate(**_kkj_aggregates()))}


def follow_up_due(month: date) -> date:
    """The follow-up of a month is due on the 15th of the next month."""
    first = month.replace(day=1)
    return (first + timedelta(days=32)).replace(day=15)


def kkj_follow_up_status(*, user, month: date, level=None, code=None, today=None):
    """Funds under accelerated collection and their follow-up for ``month``: on time, late or
    missing against the 15th of the following month."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    due = follow_up_due(month)
    funds = KkjFund.objects.visible_to(user).filter(accelerated=True)
    if level and code:
        funds = funds.in_area(level, code)
    notes = {
        f.fund_id: f
        for f in KkjFollowUp.objects.filter(fund__in=funds, month=month).select_related(
            "submitted_by"
        )
    }
    rows = []
    for fund in funds.select_related("village", "district", "subdistrict"):
        note = notes.get(fund.pk)
        if note is None:
            status = "missing" if today > due else "pending"
        else:
            status = "on_time" if timezone.localdate(note.submitted_at) <= due else "late"
        rows.append({"fund": fund, "note": note, "status": status})
    return {"month": month, "due": due, "rows": rows}


# ---------------------------------------------------------------- report sections


def wdf_section(*, user, province: str, as_of: date, district: str | None = None) -> dict:
    """The `wdf` section of the monthly report (CONTRACT.md)."""
    level, code = ("district", district) if district else ("province", province)
    if district and not district.startswith(province):
        return _wdf_json(_figures(_empty(), _empty()), None)
    debt = wdf_debt(user=user, as_of=as_of, level=level, code=code)
    budget = budget_lines(user=user, province=province, fy=fiscal_year(as_of), as_of=as_of)
    out = _wdf_json(debt["total"], budget)
    out["baseline_on"] = debt["baseline_on"].isoformat()
    if not district:
        out["rows"] = [
            {"district_code": r["code"], **_wdf_json(r, None, budget_key=False)}
            for r in debt["rows"]
        ]
    return out


def _wdf_json(fig: dict, budget: dict | None, budget_key=True) -> dict:
    out = {
        "receivables": json_number(fig["receivables"]),
        "overdue_baseline": json_number(fig["overdue_baseline"]),
        "overdue_now": json_number(fig["overdue_now"]),
        "managed": json_number(fig["managed"]),
        "reduction_pct": json_number(fig["reduction_pct"]),
        "overdue_ratio_pct": json_number(fig["overdue_ratio_pct"]),
        "par30_pct": json_number(fig["par30_pct"]),
        "ageing": {k: json_number(v) for k, v in fig["ageing"].items()},
        "to_collect_for_target": json_number(fig["to_collect_for_target"]),
        "contracts": fig["contracts"],
        "contracts_in_arrears": fig["contracts_in_arrears"],
    }
    if budget_key:
        lines = []
        if budget is not None:
            lines = [
                {
                    "line": b["line"],
                    "allocated": json_number(b["allocated"]),
                    "disbursed": json_number(b["disbursed"]),
                    "pct": json_number(b["pct"]),
                }
                for b in budget["lines"]
            ]
            t = budget["total"]
            lines.append(
                {
                    "line": "total",
                    "allocated": json_number(t["allocated"]),
                    "disbursed": json_number(t["disbursed"]),
                    "pct": json_number(t["pct"]),
                }
            )
        out["budget"] = lines
    return out


def kkj_section(*, user, province: str, as_of: date, district: str | None = None) -> dict:
    """The `kkj` section of the monthly report (CONTRACT.md)."""
    if district and not district.startswith(province):
        return _kkj_json(_kkj_shape({}))
    level, code = ("district", district) if district else ("province", province)
    totals = kkj_totals(user=user, level=level, code=code)
    out = _kkj_json(totals["total"])
    if not district:
        out["rows"] = [{"district_code": r["code"], **_kkj_json(r)} for r in totals["rows"]]
    return out


def _kkj_json(row: dict) -> dict:
    return {
        "funds": row["funds"],
        "capital": json_number(row["capital"]),
        "levels": row["levels"],
        "accelerated_funds": row["accelerated_funds"],
        "problem_amount": json_number(row["problem_amount"]),
        "damaged_amount": json_number(row["damaged_amount"]),
        "at_risk_amount": json_number(row["at_risk_amount"]),
    }
