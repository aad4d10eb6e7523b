import time

from django.core.management.base import BaseCommand, CommandError

from dashboards import refresh
from villages.models import District, Province


class Command(BaseCommand):
    help = (
        "Refresh the dashboards' summaries now: everything (as the nightly run does), one "
        "province, or one district (with the rows above it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="2-digit province code")
        parser.add_argument("--district", help="4-digit district code")

    def handle(self, province=None, district=None, **options):
        start = time.perf_counter()
        if district:
            if not District.objects.filter(code=district).exists():
                raise CommandError(f"no district {district}")
            rows, what = refresh.refresh_district(district), f"district {district}"
        elif province:
            if not Province.objects.filter(code=province).exists():
                raise CommandError(f"no province {province}")
            rows, what = refresh.refresh_province(province), f"province {province}"
        else:
            try:
                with refresh.full_lock():
                    result = refresh.refresh_all()
            except refresh.Busy as exc:
                raise CommandError("another full refresh is running; try again later") from exc
            rows, what = sum(result["provinces"].values()), f"{len(result['provinces'])} provinces"
        seconds = time.perf_counter() - start
        self.stdout.write(f"refreshed {what}: {rows} rows in {seconds:.1f} s")
