"""Generate realistic WDF loan data for one province into a PostgreSQL database, fast (COPY).

For the benchmarks of the WDF figures, the follow-up list and the contract page
(``bench_funds.py``). Writes straight into the tables of an already migrated database that has
the province's geography (``--setup`` runs ``migrate`` and ``load_geography --province P``
first), with psycopg2 ``copy_expert`` in batches:

- contracts (``funds_wdfloan``): ``--contracts`` (default 50,000) spread over the province's
  subdistricts by a random size weight (0.5-1.5); contract number ``PP-YYYY-NNNNNN`` (province,
  B.E. fiscal year of the contract date, serial in date order within that year); 85% women
  borrowing alone, 15% women's groups; principal 10,000-200,000 baht (persons: triangular,
  mode 30,000, whole 1,000s; groups: 50,000-200,000, mode 120,000, whole 5,000s); contract
  dates uniform from 1 October of the fiscal year five years before ``--as-of``'s up to
  ``--as-of``; 1-5 instalments (mostly 3), every 12 months (15%: 6), the first due 12 months
  after the contract date;
- original schedules: one ``original`` ScheduleRevision per contract (effective on the
  contract date, remaining = principal) and its Instalment rows, exactly what
  ``funds.services.write_original_schedule`` stores (``funds.schedule.equal_parts``, the
  rounding in the last part, valid from the contract date, valid_to NULL);
- payments (``funds_wdfpayment``, about 400,000): each contract has a behaviour (on time 50%,
  late 10%, partial 12%, falling behind 20%, paying off early 8%) and a habit of paying each
  part in 1, 2, 3, 4, 6 or 12 pieces (the last pieces around the due date, the others spread
  over the months before it). Payments never come before the contract date or after
  ``--as-of`` and never add up to more than the principal;
- restructures (2% of contracts, chosen among those that fell behind at least 60 days before
  ``--as-of``): a ``restructure`` revision on a date after they fell behind, the unpaid
  remainder split into 2-5 new parts (first due 6 or 12 months later, yearly); the old parts
  get ``valid_to`` = that date, the new parts ``valid_from`` = it (what
  ``funds.services.restructure`` does);
- a relief round (``--relief-pct``, default 3% of contracts; 0 turns it off): one ReliefRound
  for the province (effective on the 1st of the month 12 months before ``--as-of``, 12 months'
  pause), applied to contracts signed before it that still owe something on that date, as
  ``funds.services.relief_apply`` does (``unpaid_portions`` then ``paused``). A contract gets
  a relief or a restructure, never both.

Payments before a schedule change are made against the old schedule, those after against the
new one. No audit entries and no users are written. Everything comes from random streams
seeded with ``--seed`` (and the contract's number), so the same seed, province, count and
``--as-of`` (default today: pass it to reproduce a data set on another day) give identical
rows. ``--no-payments`` writes the contracts and their original schedules only (for the import
benchmark: ``make_payments.py`` then writes the payments file). The province must have no WDF
contracts yet. The last line printed is ``RESULT {json}`` (counts, the Python-computed
receivables and overdue as of ``--as-of``, and seconds per phase).

    .venv/bin/python bench/generate_funds.py --database-url postgres://postgres@127.0.0.1/DB \\
        [--setup] [--province 19] [--contracts 50000] [--seed 1] [--as-of YYYY-MM-DD] \\
        [--relief-pct 3] [--restructure-pct 2] [--no-payments]
"""

import bisect
import json
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import generate
from generate import baht_text, cumulative, pick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from funds.schedule import add_months, equal_parts, paused, unpaid_portions  # noqa: E402

NULL = "\\N"
GROUP_SHARE = 0.15
PROFILES = ["on_time", "late", "partial", "behind", "prepay"]
PROFILE_WEIGHTS = [50, 10, 12, 20, 8]
PIECES = [1, 2, 3, 4, 6, 12]  # payments per part
PIECE_WEIGHTS = [24, 14, 15, 15, 13, 19]
INSTALMENTS = [1, 2, 3, 4, 5]
INSTALMENT_WEIGHTS = [8, 17, 50, 15, 10]
GROUP_KINDS = ["กลุ่มสตรีทอผ้า", "กลุ่มแม่บ้านเกษตรกร", "กลุ่มสตรีแปรรูปอาหาร", "กลุ่มสตรีจักสาน"]
PREFIXES = ["นาง", "นาง", "นาง", "นางสาว"]

LOAN_COLUMNS = (
    "id, contract_no, province_id, district_id, subdistrict_id, borrower_name, borrower_kind, "
    "principal, contract_date, instalments, first_due_date, interval_months, note, created_at, "
    "updated_at"
)
REVISION_COLUMNS = (
    "id, loan_id, kind, effective_on, relief_round_id, instalments, first_due_date, "
    "interval_months, remaining, note, created_at"
)
PART_COLUMNS = "id, loan_id, revision_id, number, due_on, amount, valid_from, valid_to"
PAYMENT_COLUMNS = "id, loan_id, paid_on, amount, receipt_no, in_reported_month, created_at"
TABLES = {
    "funds_wdfloan": LOAN_COLUMNS,
    "funds_schedulerevision": REVISION_COLUMNS,
    "funds_instalment": PART_COLUMNS,
    "funds_wdfpayment": PAYMENT_COLUMNS,
}


PROFILE_CUM = cumulative(PROFILE_WEIGHTS)
PIECE_CUM = cumulative(PIECE_WEIGHTS)
INSTALMENT_CUM = cumulative(INSTALMENT_WEIGHTS)


def fiscal_year_be(d: date) -> int:
    """B.E. fiscal year of a date (FY 2570 = 2026-10-01 .. 2027-09-30)."""
    return d.year + 543 + (d.month >= 10)


def satang(amount: Decimal) -> int:
    return int(amount * 100)


# ---------------------------------------------------------------------------------------------
# Pure generation (no database): shared with make_payments.py


def behaviour(r: random.Random) -> tuple[str, int]:
    """A borrower's (profile, pieces per part)."""
    return pick(r, PROFILES, PROFILE_CUM), pick(r, PIECES, PIECE_CUM)


def segment_payments(r, parts, start: int, end: int, profile: str, pieces: int, stop: int):
    """Payments (ordinal day, satang) against ``parts`` [(due ordinal, satang)], dated in
    [start, end): each part paid in ``pieces`` pieces ending around its due date, by profile.
    ``stop``: for ``behind``, the index of the first part no longer paid in full. Not capped:
    the caller keeps the total within what is owed."""
    out = []
    previous_due = start
    for i, (due, amount) in enumerate(parts):
        span = max(30, due - previous_due)
        previous_due = due
        fraction = 1.0
        if profile == "on_time" or profile == "prepay":
            late = r.randint(-20, 10)
        elif profile == "late":
            late = r.randint(30, 240)
        elif profile == "partial":
            late, fraction = r.randint(0, 90), r.uniform(0.3, 0.9)
        elif i < stop:  # behind, before falling behind
            late = r.randint(0, 120)
        elif r.random() < 0.3:  # behind: a little, late
            late, fraction = r.randint(60, 400), r.uniform(0.05, 0.3)
        else:
            continue
        total = amount if fraction >= 1 else int(amount * fraction) // 100 * 100
        if total <= 0:
            continue
        last = due + late
        step = span / pieces
        piece = total // pieces // 100 * 100
        for j in range(pieces):
            value = piece if j < pieces - 1 else total - piece * (pieces - 1)
            day = (
                last if j == pieces - 1 else last - int((pieces - 1 - j) * step) + r.randint(-3, 3)
            )
            day = max(day, start)
            if day < end and value > 0:
                out.append((day, value))
    return out


def capped(payments, room: int):
    """Payments in date order, trimmed so that they add up to at most ``room`` satang."""
    out = []
    for day, value in sorted(payments):
        value = min(value, room)
        if value <= 0:
            break
        out.append((day, value))
        room -= value
    return out


def plan_contracts(subdistricts: list[str], n: int, seed, as_of: date, province: str):
    """The contracts' terms: a list of dicts in contract-number order."""
    weights = [random.Random(f"{seed}:wdf-size:{s}").uniform(0.5, 1.5) for s in subdistricts]
    cum = cumulative(weights)
    first = date(as_of.year - 5 - (as_of.month < 10), 10, 1)  # FY start five years back
    lo, hi = first.toordinal(), as_of.toordinal()
    r = random.Random(f"{seed}:wdf-contracts:{province}")
    contracts = []
    for _ in range(n):
        sub = subdistricts[bisect.bisect_right(cum, r.random() * cum[-1])]
        day = date.fromordinal(r.randint(lo, hi))
        group = r.random() < GROUP_SHARE
        if group:
            principal = round(r.triangular(50_000, 200_000, 120_000) / 5000) * 5000
            name = (
                f"{GROUP_KINDS[r.randrange(len(GROUP_KINDS))]}บ้าน"
                f"{generate.VILLAGE_NAMES[r.randrange(len(generate.VILLAGE_NAMES))]} "
                f"หมู่ {r.randint(1, 15)}"
            )
        else:
            principal = round(r.triangular(10_000, 200_000, 30_000) / 1000) * 1000
            name = (
                f"{PREFIXES[r.randrange(4)]}{generate.FEMALE[r.randrange(10)]} "
                f"{generate.SURNAMES[r.randrange(16)]}"
            )
        interval = 6 if r.random() < 0.15 else 12
        contracts.append(
            {
                "subdistrict": sub,
                "kind": "group" if group else "person",
                "name": name,
                "principal": principal * 100,  # satang
                "contract_date": day,
                "instalments": pick(r, INSTALMENTS, INSTALMENT_CUM),
                "first_due": add_months(day, 12),
                "interval": interval,
            }
        )
    contracts.sort(key=lambda c: (c["contract_date"], c["subdistrict"], c["name"]))
    serial = {}
    for c in contracts:
        fy = fiscal_year_be(c["contract_date"])
        serial[fy] = serial.get(fy, 0) + 1
        c["contract_no"] = f"{province}-{fy}-{serial[fy]:06d}"
    return contracts


def parts_of(schedule) -> list[tuple[int, int]]:
    """[(number, due date, Decimal)] -> [(due ordinal, satang)]."""
    return [(due.toordinal(), satang(amount)) for _n, due, amount in schedule]


def overdue_on(parts, paid: int, principal: int, day: int) -> int:
    """CONTRACT.md: max(0, receivables - parts due on or after ``day``) (satang)."""
    not_due = sum(a for due, a in parts if due >= day)
    return max(0, principal - paid - not_due)


class Ledger:
    """One contract's revisions, parts and payments, simulated in date order."""

    def __init__(self, c: dict, seed, as_of: date, payments: bool):
        self.c = c
        r = self.r = random.Random(f"{seed}:wdf-pay:{c['contract_no']}")
        self.profile, self.pieces = behaviour(r)
        original = equal_parts(
            Decimal(c["principal"]) / 100, c["instalments"], c["first_due"], c["interval"]
        )
        self.stop = r.randrange(len(original))
        start = c["contract_date"]
        # revisions: (kind, effective date, relief round or None, terms, remaining, schedule)
        self.revisions = [("original", start, None, None, Decimal(c["principal"]) / 100, original)]
        self.payments: list[tuple[int, int]] = []
        self.as_of_ord = as_of.toordinal()
        # A restructure date for a borrower who fell behind at least 60 days ago.
        self.restructurable = None
        if payments and self.profile == "behind":
            fell_behind = original[self.stop][1].toordinal() + 60
            if fell_behind <= self.as_of_ord:
                self.restructurable = date.fromordinal(r.randint(fell_behind, self.as_of_ord))

    def simulate(self, event=None):
        """Payments and revisions up to --as-of; ``event`` = ("restructure", date) or
        ("relief", relief round dict) or None."""
        c, r = self.c, self.r
        principal = c["principal"]
        schedule = self.revisions[0][5]
        start = c["contract_date"].toordinal()
        end = self.as_of_ord + 1
        when = None
        if event:
            when = event[1] if event[0] == "restructure" else event[1]["effective_on"]
            end = when.toordinal()
        profile, stop = self.profile, self.stop
        if profile == "prepay":
            payoff = start + 180 + r.randint(0, max(0, schedule[-1][1].toordinal() - start - 180))
        else:
            payoff = None
        pays = segment_payments(
            r, parts_of(schedule), start, min(end, payoff or end), profile, self.pieces, stop
        )
        self.payments = capped(pays, principal)
        paid = sum(v for _d, v in self.payments)
        if payoff is not None and payoff < end and paid < principal:
            self.payments.append((payoff, principal - paid))
            paid = principal
        if not event:
            return
        paid_before = Decimal(paid) / 100
        if event[0] == "restructure":
            remaining = Decimal(principal) / 100 - paid_before
            if remaining <= 0:
                return
            count = pick(r, INSTALMENTS[1:], INSTALMENT_CUM[1:])
            interval = 12
            first_due = add_months(when, 6 if r.random() < 0.3 else 12)
            new = equal_parts(remaining, count, first_due, interval)
            self.revisions.append(
                ("restructure", when, None, (count, first_due, interval), remaining, new)
            )
            profile = pick(r, ["on_time", "partial", "behind"], [50, 80, 100])
        else:
            relief = event[1]
            in_force = [(due, amount) for _n, due, amount in schedule]
            portions = unpaid_portions(in_force, paid_before)
            if not portions:
                return
            new = paused(portions, when, relief["pause_months"])
            remaining = sum((a for _d, a in portions), Decimal(0))
            self.revisions.append(("relief", when, relief, None, remaining, new))
        stop = r.randrange(len(new))
        more = segment_payments(
            r, parts_of(new), when.toordinal(), self.as_of_ord + 1, profile, self.pieces, stop
        )
        self.payments += capped(more, principal - paid)

    def in_force(self) -> list[tuple[int, int]]:
        return parts_of(self.revisions[-1][5])


def relief_round(as_of: date, province: str) -> dict:
    effective = date(as_of.year - 1, as_of.month, 1)
    be = effective.year + 543
    return {
        "province": province,
        "number": f"1/{be}",
        "title": "มาตรการพักชำระหนี้กองทุนพัฒนาบทบาทสตรี ผู้ประสบอุทกภัย",
        "announced_on": effective - timedelta(days=14),
        "effective_on": effective,
        "pause_months": 12,
    }


def ledgers(
    contracts, seed, as_of: date, payments=True, relief=None, relief_pct=3.0, restructure_pct=2.0
):
    """Simulate every contract; return the Ledger objects (same order as contracts)."""
    out = [Ledger(c, seed, as_of, payments) for c in contracts]
    if not payments:
        return out
    n = len(contracts)
    r = random.Random(f"{seed}:wdf-events")
    candidates = [i for i, ledger in enumerate(out) if ledger.restructurable]
    restructured = set(r.sample(candidates, min(len(candidates), round(n * restructure_pct / 100))))
    done = set()
    for i in sorted(restructured):
        out[i].simulate(("restructure", out[i].restructurable))
        done.add(i)
    if relief and relief_pct > 0:
        effective = relief["effective_on"]
        candidates = [
            i
            for i, c in enumerate(contracts)
            if i not in done
            and c["contract_date"] < effective
            and out[i].revisions[0][5][-1][1] > effective - timedelta(days=365)
        ]
        r.shuffle(candidates)
        want, relieved = round(n * relief_pct / 100), 0
        # Contracts repaid in full before the round are skipped (as relief_apply does), so go
        # down the shuffled list until enough contracts got the relief.
        for i in candidates:
            if relieved >= want:
                break
            out[i].simulate(("relief", relief))
            relieved += len(out[i].revisions) > 1
            done.add(i)
    for i, ledger in enumerate(out):
        if i not in done:
            ledger.simulate()
    return out


# ---------------------------------------------------------------------------------------------
# Database


def _insert_relief_round(cur, rr: dict) -> int:
    cur.execute(
        "INSERT INTO funds_reliefround (province_id, number, title, announced_on, effective_on, "
        "pause_months, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        [
            rr["province"],
            rr["number"],
            rr["title"],
            rr["announced_on"],
            rr["effective_on"],
            rr["pause_months"],
            f"{rr['announced_on'].isoformat()} 10:00:00+07",
        ],
    )
    return cur.fetchone()[0]


class Writer(generate.CopyWriter):
    """COPY text lines per table, sent in batches."""

    tables = TABLES

    def __init__(self, conn):
        super().__init__(conn)
        self.kinds = {"original": 0, "relief": 0, "restructure": 0}
        self.loan_ids = []

    def add(self, ledger: Ledger, relief_round_id):
        c = ledger.c
        iso = date.isoformat
        loan_id = self._id("funds_wdfloan")
        self.loan_ids.append(loan_id)
        sub = c["subdistrict"]
        stamp = f"{iso(c['contract_date'])} 10:00:00+07"
        self.lines["funds_wdfloan"].append(
            f"{loan_id}\t{c['contract_no']}\t{sub[:2]}\t{sub[:4]}\t{sub}\t{c['name']}\t"
            f"{c['kind']}\t{baht_text(c['principal'])}\t{iso(c['contract_date'])}\t"
            f"{c['instalments']}\t{iso(c['first_due'])}\t{c['interval']}\t\t{stamp}\t{stamp}\n"
        )
        revisions = ledger.revisions
        part_lines = []
        for k, (kind, effective, rr, terms, remaining, schedule) in enumerate(revisions):
            rev_id = self._id("funds_schedulerevision")
            self.kinds[kind] += 1
            if terms:
                count, first_due, interval = terms
                terms_text = f"{count}\t{iso(first_due)}\t{interval}"
                note = f"ปรับโครงสร้างหนี้ {count} งวด"
            else:
                terms_text = f"{NULL}\t{NULL}\t{NULL}"
                note = f"{rr['number']} {rr['title']}" if rr else ""
            self.lines["funds_schedulerevision"].append(
                f"{rev_id}\t{loan_id}\t{kind}\t{iso(effective)}\t"
                f"{relief_round_id if rr else NULL}\t{terms_text}\t{remaining}\t{note}\t"
                f"{iso(effective)} 10:00:00+07\n"
            )
            valid_to = iso(revisions[k + 1][1]) if k + 1 < len(revisions) else NULL
            for number, due, amount in schedule:
                part_lines.append(
                    f"{self._id('funds_instalment')}\t{loan_id}\t{rev_id}\t{number}\t{iso(due)}\t"
                    f"{amount}\t{iso(effective)}\t{valid_to}\n"
                )
        self.lines["funds_instalment"] += part_lines
        pay = self.lines["funds_wdfpayment"]
        for day, value in ledger.payments:
            pid = self._id("funds_wdfpayment")
            d = date.fromordinal(day)
            receipt = f"{d.year + 543}/{pid % 1_000_000:06d}" if pid % 10 < 7 else ""
            pay.append(
                f"{pid}\t{loan_id}\t{iso(d)}\t{baht_text(value)}\t{receipt}\tf\t"
                f"{iso(d)} 14:00:00+07\n"
            )


def python_totals(all_ledgers, as_of: date) -> dict:
    """Receivables and overdue (baht) as of --as-of, computed here by CONTRACT.md's rules:
    a cross-check for funds.selectors.wdf_debt on the generated data."""
    day = as_of.toordinal()
    receivables = overdue = arrears = repaid = 0
    for ledger in all_ledgers:
        principal = ledger.c["principal"]
        if ledger.c["contract_date"] > as_of:
            continue
        paid = sum(v for d, v in ledger.payments if d <= day)
        receivables += principal - paid
        repaid += paid == principal
        o = overdue_on(ledger.in_force(), paid, principal, day)
        overdue += o
        arrears += o > 0
    return {
        "receivables": baht_text(receivables),
        "overdue": baht_text(overdue),
        "contracts_in_arrears": arrears,
        "fully_repaid": repaid,
    }


def main(argv=None) -> dict:
    parser = generate.province_parser(__doc__)
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today(), help="ISO date")
    parser.add_argument("--relief-pct", type=float, default=3.0, help="0: no relief round")
    parser.add_argument("--restructure-pct", type=float, default=2.0)
    parser.add_argument(
        "--no-payments", action="store_true", help="contracts and original schedules only"
    )
    parser.add_argument("--batch-size", type=int, default=10_000, help="contracts per COPY")
    args = generate.parse_province_args(parser, argv)

    started = time.perf_counter()
    conn, subdistricts = generate.province_connection(
        args, "generate_funds.py", TABLES, "funds_wdfloan", "WDF contracts"
    )
    t0 = time.perf_counter()
    contracts = plan_contracts(subdistricts, args.contracts, args.seed, args.as_of, args.province)
    payments = not args.no_payments
    rr = relief_round(args.as_of, args.province) if payments and args.relief_pct > 0 else None
    all_ledgers = ledgers(
        contracts,
        args.seed,
        args.as_of,
        payments=payments,
        relief=rr,
        relief_pct=args.relief_pct,
        restructure_pct=args.restructure_pct,
    )
    t_simulate = time.perf_counter() - t0
    print(f"simulated {len(contracts):,} contracts ({t_simulate:.1f} s)", flush=True)

    t0 = time.perf_counter()
    with conn.cursor() as cur:
        rr_id = _insert_relief_round(cur, rr) if rr else None
    writer = Writer(conn)
    for i, ledger in enumerate(all_ledgers, start=1):
        writer.add(ledger, rr_id)
        if i % args.batch_size == 0 or i == len(all_ledgers):
            writer.copy()
            print(f"  {i:>8,} contracts", flush=True)
    writer.reset_sequences(extra=["funds_reliefround"])
    t_copy = time.perf_counter() - t0
    t0 = time.perf_counter()
    generate.vacuum_analyze(conn, [*TABLES, "funds_reliefround"])
    t_vacuum = time.perf_counter() - t0

    restructured = [lg for lg in all_ledgers if lg.revisions[-1][0] == "restructure"]
    busiest = max(restructured, key=lambda lg: len(lg.payments), default=None)
    result = {
        "province": args.province,
        "seed": args.seed,
        "as_of": args.as_of.isoformat(),
        "contracts": writer.counts["funds_wdfloan"],
        "groups": sum(c["kind"] == "group" for c in contracts),
        "revisions": writer.counts["funds_schedulerevision"],
        "revision_kinds": writer.kinds,
        "relief_round": rr["number"] if rr else None,
        "relief_effective_on": rr["effective_on"].isoformat() if rr else None,
        "instalments": writer.counts["funds_instalment"],
        "payments": writer.counts["funds_wdfpayment"],
        "principal_total": baht_text(sum(c["principal"] for c in contracts)),
        "as_of_totals": python_totals(all_ledgers, args.as_of),
        "busiest_restructured": busiest.c["contract_no"] if busiest else None,
        "seconds": {
            "simulate": round(t_simulate, 1),
            "copy": round(t_copy, 1),
            "vacuum_analyze": round(t_vacuum, 1),
            "total": round(time.perf_counter() - started, 1),
        },
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
