from django.core.management.base import BaseCommand

from cdd.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo province (19 Saraburi) and one account per role. Safe to re-run."

    def handle(self, *args, **options):
        result = load_demo()
        self.stdout.write(f"demo villages created: {result['villages_created']}")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for user in result["users"]:
            self.stdout.write(f"  {user.username:<12} {user.get_role_display()} - {user.area_name}")
