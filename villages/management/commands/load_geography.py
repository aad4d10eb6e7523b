from django.core.management.base import BaseCommand, CommandError

from villages.services import load_geography


class Command(BaseCommand):
    help = (
        "Load every province, district and subdistrict from the geothai package (safe to re-run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--province", help="only this province (2-digit code)")

    def handle(self, *args, province=None, **options):
        try:
            counts = load_geography(province_code=province)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for level, (created, updated) in counts.items():
            self.stdout.write(f"{level}: created {created}, updated {updated}")
