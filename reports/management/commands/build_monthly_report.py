"""``manage.py build_monthly_report --province CODE --month YYYY-MM --format pdf|xlsx|json
--out FILE``: build a province's monthly report synchronously (CONTRACT.md)."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cdd.thai import parse_month
from villages.models import Province


class Command(BaseCommand):
    help = "Build a province's monthly report (PDF, Excel or JSON) synchronously."

    def add_arguments(self, parser):
        parser.add_argument("--province", required=True, help="2-digit province code")
        parser.add_argument("--month", required=True, help="YYYY-MM, C.E. or B.E.")
        parser.add_argument("--format", required=True, choices=["pdf", "xlsx", "json"])
        parser.add_argument("--out", required=True, help="file to write")

    def handle(self, *args, province, month, format, out, **options):
        from reports.builder import build_report, render

        if not Province.objects.filter(code=province).exists():
            raise CommandError(f"No province {province!r}. Run load_geography first.")
        try:
            year, number = parse_month(month)
        except ValueError as exc:
            raise CommandError(f"--month must be YYYY-MM (C.E. or B.E.), not {month!r}") from exc
        report = build_report(province, date(year, number, 1), charts=format == "pdf")
        warnings: list[str] = []
        data = render(report, format, warnings=warnings)
        Path(out).write_bytes(data)
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(
            f"{out}: {len(data):,} bytes, province {province}, {report.month:%Y-%m}, "
            f"data checksum {report.data_checksum[:12]}"
        )
