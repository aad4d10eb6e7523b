"""Totals paid per contract, kept by triggers on the payments table.

PostgreSQL: statement-level triggers with transition tables, so a COPY or bulk insert of
400,000 payments costs one grouped upsert, not one per row. SQLite (the demo and local
tests): row-level triggers.
"""

import django.db.models.deletion
from django.db import migrations, models

PG_UP = """
CREATE FUNCTION funds_paid_total_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO funds_loanpaidtotal (loan_id, paid)
    SELECT loan_id, SUM(amount) FROM new_rows GROUP BY loan_id
    ON CONFLICT (loan_id) DO UPDATE SET paid = funds_loanpaidtotal.paid + EXCLUDED.paid;
    RETURN NULL;
END $$;

CREATE FUNCTION funds_paid_total_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE funds_loanpaidtotal t SET paid = t.paid - o.paid
    FROM (SELECT loan_id, SUM(amount) AS paid FROM old_rows GROUP BY loan_id) o
    WHERE t.loan_id = o.loan_id;
    RETURN NULL;
END $$;

CREATE FUNCTION funds_paid_total_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE funds_loanpaidtotal t SET paid = t.paid - o.paid
    FROM (SELECT loan_id, SUM(amount) AS paid FROM old_rows GROUP BY loan_id) o
    WHERE t.loan_id = o.loan_id;
    INSERT INTO funds_loanpaidtotal (loan_id, paid)
    SELECT loan_id, SUM(amount) FROM new_rows GROUP BY loan_id
    ON CONFLICT (loan_id) DO UPDATE SET paid = funds_loanpaidtotal.paid + EXCLUDED.paid;
    RETURN NULL;
END $$;

CREATE TRIGGER funds_paid_total_insert AFTER INSERT ON funds_wdfpayment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION funds_paid_total_add();
CREATE TRIGGER funds_paid_total_delete AFTER DELETE ON funds_wdfpayment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION funds_paid_total_remove();
CREATE TRIGGER funds_paid_total_update AFTER UPDATE ON funds_wdfpayment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION funds_paid_total_change();
"""

PG_DOWN = """
DROP TRIGGER IF EXISTS funds_paid_total_insert ON funds_wdfpayment;
DROP TRIGGER IF EXISTS funds_paid_total_delete ON funds_wdfpayment;
DROP TRIGGER IF EXISTS funds_paid_total_update ON funds_wdfpayment;
DROP FUNCTION IF EXISTS funds_paid_total_add();
DROP FUNCTION IF EXISTS funds_paid_total_remove();
DROP FUNCTION IF EXISTS funds_paid_total_change();
"""

SQLITE_UP = [
    """CREATE TRIGGER funds_paid_total_insert AFTER INSERT ON funds_wdfpayment BEGIN
        INSERT INTO funds_loanpaidtotal (loan_id, paid) VALUES (NEW.loan_id, NEW.amount)
        ON CONFLICT (loan_id) DO UPDATE SET paid = paid + excluded.paid;
    END""",
    """CREATE TRIGGER funds_paid_total_delete AFTER DELETE ON funds_wdfpayment BEGIN
        UPDATE funds_loanpaidtotal SET paid = paid - OLD.amount WHERE loan_id = OLD.loan_id;
    END""",
    """CREATE TRIGGER funds_paid_total_update AFTER UPDATE ON funds_wdfpayment BEGIN
        UPDATE funds_loanpaidtotal SET paid = paid - OLD.amount WHERE loan_id = OLD.loan_id;
        INSERT INTO funds_loanpaidtotal (loan_id, paid) VALUES (NEW.loan_id, NEW.amount)
        ON CONFLICT (loan_id) DO UPDATE SET paid = paid + excluded.paid;
    END""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS funds_paid_total_insert",
    "DROP TRIGGER IF EXISTS funds_paid_total_delete",
    "DROP TRIGGER IF EXISTS funds_paid_total_update",
]

BACKFILL = """
INSERT INTO funds_loanpaidtotal (loan_id, paid)
SELECT loan_id, SUM(amount) FROM funds_wdfpayment GROUP BY loan_id
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [PG_UP]
    elif vendor == "sqlite":
        statements = SQLITE_UP
    else:
        raise NotImplementedError(f"paid-total triggers for {vendor}")
    for sql in [BACKFILL, *statements]:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in [PG_DOWN] if vendor == "postgresql" else SQLITE_DOWN:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("funds", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoanPaidTotal",
            fields=[
                (
                    "loan",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="funds.wdfloan",
                    ),
                ),
                ("paid", models.DecimalField(decimal_places=2, default=0, max_digits=14)),
            ],
            options={
                "verbose_name": "total paid on a contract",
                "verbose_name_plural": "totals paid on contracts",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
