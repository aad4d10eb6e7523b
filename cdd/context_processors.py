"""The navigation menu, by role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.choices import PROVINCIAL_ROLES


def navigation(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        (_("Home"), reverse("home")),
        (_("Dashboard"), reverse("dashboard")),
        (_("Areas"), reverse("area-overview")),
        (_("Villages"), reverse("village-list")),
        (_("Households"), reverse("household-list")),
        (_("Progress"), reverse("household-progress")),
        (_("Community funds"), reverse("wdf-figures")),
        (_("OTOP"), reverse("otop-targets")),
        (_("Monthly reports"), reverse("submission-month")),
        (_("Meeting report"), reverse("report-archive")),
        (_("Sustainable villages"), reverse("sv-overview")),
        (_("Supervision visits"), reverse("visit-list")),
    ]
    if user.is_superuser or user.role in PROVINCIAL_ROLES:
        items.append((_("Reporting settings"), reverse("cycle-settings")))
    if user.can_write:
        items.append((_("Import data"), reverse("import-start")))
    if user.manages_users:
        items.append((_("Users"), reverse("user-list")))
    items.append((_("API"), reverse("api:docs")))
    # The longest menu URL that prefixes the path is the active one (/areas/ vs /areas/villages/).
    path = request.path
    matches = [url for _label, url in items if path == url or (url != "/" and path.startswith(url))]
    active = max(matches, key=len, default=None)
    return {
        "nav_items": [{"label": lbl, "url": url, "active": url == active} for lbl, url in items]
    }
