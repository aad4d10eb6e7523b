"""Write a `wdf_payments` import file (CONTRACT.md columns contract_no, paid_on, amount) of
valid payments for the WDF contracts of a database made by ``generate_funds.py``.

The contracts are read from the database (``--database-url`` or DATABASE_URL): their terms,
the schedule in force (instalments with ``valid_to`` NULL) and what is already paid. Each
contract's payments come from the same simulation as ``generate_funds.py`` (a behaviour
profile and 1-12 pieces per part, from a stream seeded with ``--seed`` and the contract
number), against the schedule in force, dated from the contract date to ``--as-of`` (default
today) and never more than what remains on the contract. When the simulation gives more than
``--rows`` payments, a seeded random subset is left out (leaving payments out keeps every
row valid); when it gives fewer, the pieces per part are scaled up and it runs again. So the
file holds exactly ``--rows`` rows that the import must accept: ``created N``.

Meant for a database made with ``generate_funds.py --no-payments`` (contracts and original
schedules only), as ``bench_funds.py`` does; on a database with payments it fills what
remains. Rows are in date order, then contract number (a ledger export). CSV: ISO dates,
amounts with 2 decimals. XLSX: openpyxl write-only, date cells and numeric amounts (as a
spreadsheet saved by Excel has them).

    .venv/bin/python bench/make_payments.py --database-url postgres://postgres@127.0.0.1/DB \\
        [--province 19] [--rows 400000] [--seed 1] [--as-of YYYY-MM-DD] \\
        --out /tmp/payments.csv --out /tmp/payments.xlsx
"""

import random
import time
from datetime import date
from pathlib import Path

import generate
import generate_funds as gf

HEADER = ["contract_no", "paid_on", "amount"]


def contracts_from_db(url: str, province: str):
    """[(contract_no, contract date, principal satang, paid satang, [(due ordinal, satang)])]
    of the province's contracts, in contract-number order; parts = the schedule in force."""
    conn = generate.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT l.id, l.contract_no, l.contract_date, l.principal, "
            "COALESCE((SELECT SUM(p.amount) FROM funds_wdfpayment p WHERE p.loan_id = l.id), 0) "
            "FROM funds_wdfloan l WHERE l.province_id = %s ORDER BY l.contract_no",
            [province],
        )
        loans = cur.fetchall()
        cur.execute(
            "SELECT i.loan_id, i.due_on, i.amount FROM funds_instalment i "
            "JOIN funds_wdfloan l ON l.id = i.loan_id "
            "WHERE l.province_id = %s AND i.valid_to IS NULL "
            "ORDER BY i.loan_id, i.due_on, i.number",
            [province],
        )
        parts = {}
        for loan_id, due, amount in cur.fetchall():
            parts.setdefault(loan_id, []).append((due.toordinal(), gf.satang(amount)))
    conn.close()
    return [
        (no, signed, gf.satang(principal), gf.satang(paid), parts.get(pk, []))
        for pk, no, signed, principal, paid in loans
    ]


def simulate(contracts, seed, as_of: date, scale: float = 1.0):
    """All payments [(ordinal day, contract_no, satang)] for the contracts."""
    end = as_of.toordinal() + 1
    out = []
    for no, signed, principal, paid, parts in contracts:
        room = principal - paid
        if room <= 0 or not parts:
            continue
        r = random.Random(f"{seed}:wdf-import:{no}")
        profile, pieces = gf.behaviour(r)
        pieces = max(1, round(pieces * scale))
        stop = r.randrange(len(parts))
        pays = gf.segment_payments(r, parts, signed.toordinal(), end, profile, pieces, stop)
        if profile == "prepay":
            payoff = (
                signed.toordinal() + 180 + r.randint(0, max(0, parts[-1][0] - signed.toordinal()))
            )
            pays = [p for p in pays if p[0] < payoff]
            kept = gf.capped(pays, room)
            rest = room - sum(v for _d, v in kept)
            if payoff < end and rest > 0:
                kept.append((payoff, rest))
        else:
            kept = gf.capped(pays, room)
        out += [(day, no, value) for day, value in kept]
    return out


def payment_rows(contracts, n: int, seed, as_of: date):
    """Exactly n payments [(ordinal day, contract_no, satang)], in date then contract order."""
    scale = 1.0
    while True:
        pays = simulate(contracts, seed, as_of, scale)
        if len(pays) >= n or not pays:
            break
        scale *= n / len(pays) * 1.05
    if len(pays) < n:
        raise SystemExit(f"only {len(pays)} payments possible for these contracts")
    drop = set(random.Random(f"{seed}:wdf-import-drop").sample(range(len(pays)), len(pays) - n))
    kept = [p for i, p in enumerate(pays) if i not in drop]
    kept.sort()
    return kept, scale


def write(path: Path, rows) -> int:
    """Write [(ordinal day, contract_no, satang)] to a .csv or .xlsx file; return the count."""
    return generate.write_table(
        path,
        HEADER,
        rows,
        sheet="wdf_payments",
        csv_row=lambda r: [r[1], date.fromordinal(r[0]).isoformat(), gf.baht_text(r[2])],
        xlsx_row=lambda r: [r[1], date.fromordinal(r[0]), r[2] / 100],  # a date cell, a number
    )


def main(argv=None) -> dict:
    args = generate.import_file_args(
        __doc__, argv, rows=400_000, as_of_type=date.fromisoformat, as_of_help="ISO date"
    )
    started = time.perf_counter()
    contracts = contracts_from_db(args.database_url, args.province)
    if not contracts:
        raise SystemExit(f"no WDF contracts in province {args.province}: run generate_funds.py")
    rows, scale = payment_rows(contracts, args.rows, args.seed, args.as_of)
    result = {
        "contracts": len(contracts),
        "contracts_paying": len({no for _d, no, _v in rows}),
        "rows": len(rows),
        "amount": gf.baht_text(sum(v for _d, _n, v in rows)),
        "pieces_scale": round(scale, 3),
        "first": date.fromordinal(rows[0][0]).isoformat() if rows else None,
        "last": date.fromordinal(rows[-1][0]).isoformat() if rows else None,
    }
    return generate.write_import_files(result, args.out, lambda path: write(path, rows), started)


if __name__ == "__main__":
    main()
