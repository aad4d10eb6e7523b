import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.models import Source
from imports.engine import get_resource, run_import


class Command(BaseCommand):
    help = "Import a .xlsx or .csv file, all or nothing (see CONTRACT.md for the columns)."

    def add_arguments(self, parser):
        parser.add_argument("resource")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--user", help="import as this user (their area applies)")

    def handle(self, resource, file, dry_run=False, user=None, **options):
        try:
            get_resource(resource)
        except KeyError as exc:
            raise CommandError(exc.args[0]) from exc
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file not found: {file}")
        account = None
        if user:
            account = get_user_model().objects.filter(username=user, is_active=True).first()
            if account is None:
                raise CommandError(f"no active user {user}")
        result = run_import(
            resource,
            path.read_bytes(),
            path.name,
            user=account,
            dry_run=dry_run,
            source=Source.COMMAND,
        )
        if not result.ok:
            for error in result.errors:
                self.stdout.write(str(error))
            sys.exit(1)
        prefix = "dry run: " if dry_run else ""
        self.stdout.write(prefix + result.counts_line())
