"""Reminders and late lists for the monthly report, in the app and by email.

Once a day (``reports.tasks.send_cycle_notices``, 07:30 Bangkok):

- 3 days and 1 day before the due date (calendar days, counted from the due date after it has
  moved off weekends and holidays), every active district-staff user of a district that has
  not yet sent the month's report (``first_submitted_at`` is empty) gets a reminder;
- on the day after the due date (the 21st when it is due on the 20th; when the due date moved,
  the day after the moved date, since until then no district is late), the province's
  officers and admins get one list of the districts that have sent nothing. A province whose
  districts have all sent gets no list.

The reports looked at are this month's and last month's, so a due date moved into the next
month still gets its reminders and its late list.

Each notice has a ``key`` unique per user, so a second run on the same day creates nothing and
emails no one. Emails go only to users with an address, one message each, with the notice's
Thai text; they are sent inside the transaction that creates the notices, so a worker lost
half-way rolls the notices back and the redelivered task sends them again (at least once,
never silently lost). An SMTP failure is logged and does not hold back the in-app notices.
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import PROVINCIAL_ROLES, Role
from accounts.models import User
from cdd.thai import thai_date, thai_month
from villages.models import District, Province

from .cycle import due_dates, first_of
from .models import Notice, Submission

logger = logging.getLogger(__name__)

REMINDER_DAYS = (3, 1)
# The district's reporting page and the province's completeness table (reports/urls.py).
REPORTS_URL = "/reports/"
COMPLETENESS_URL = "/reports/completeness/?province={province}"

REMINDER_TITLES = {
    3: gettext_lazy("The monthly report for %(month)s is due in 3 days"),
    1: gettext_lazy("The monthly report for %(month)s is due tomorrow"),
}


@dataclass
class Outgoing:
    """A notice about to be sent to one user (the text already in Thai)."""

    user: User
    key: str
    title: str
    body: str
    url: str


def send_due_notices(today: date | None = None) -> dict[str, int]:
    """Send the day's reminders and late lists for every province; safe to run again.
    Returns how many notices were created and how many emails went out."""
    today = today or timezone.localdate()
    this_month = first_of(today)
    months = [first_of(this_month - timedelta(days=1)), this_month]
    dues = due_dates(Province.objects.values_list("code", flat=True), months)
    reminders, late = defaultdict(list), defaultdict(list)
    for (province, month), due in dues.items():
        days = (due - today).days
        if days in REMINDER_DAYS:
            reminders[(month, days)].append(province)
        elif days == -1:
            late[month].append(province)
    outgoing = []
    with translation.override("th"):
        for (month, days), provinces in reminders.items():
            outgoing += _reminders(month, days, provinces, dues)
        for month, provinces in late.items():
            outgoing += _late_lists(month, provinces, dues)
    return _deliver(outgoing)


def _not_submitted(month: date, district_ref: str):
    """True for a district that has not yet sent its report for ``month``."""
    return ~Exists(
        Submission.objects.filter(
            district=OuterRef(district_ref), month=month, first_submitted_at__isnull=False
        )
    )


def _reminders(month: date, days: int, provinces: list[str], dues: dict) -> list[Outgoing]:
    staff = (
        User.objects.filter(
            is_active=True, role=Role.DISTRICT_STAFF, district__province_id__in=provinces
        )
        .filter(_not_submitted(month, "district"))
        .select_related("district")
        .order_by("district_id", "pk")
    )
    month_name = thai_month(month.year, month.month)
    return [
        Outgoing(
            user=user,
            key=f"due-{days}:{month:%Y-%m}:{user.district_id}",
            title=REMINDER_TITLES[days] % {"month": month_name},
            body=_(
                "%(district)s has not sent its monthly report for %(month)s yet. "
                "It is due on %(date)s."
            )
            % {
                "district": user.district.name_th,
                "month": month_name,
                "date": thai_date(dues[(user.district.province_id, month)], long=True),
            },
            url=REPORTS_URL,
        )
        for user in staff
    ]


def _late_lists(month: date, provinces: list[str], dues: dict) -> list[Outgoing]:
    missing = defaultdict(list)
    for province, name in (
        District.objects.filter(province_id__in=provinces)
        .filter(_not_submitted(month, "pk"))
        .order_by("code")
        .values_list("province_id", "name_th")
    ):
        missing[province].append(name)
    if not missing:
        return []
    officers = User.objects.filter(
        is_active=True, role__in=PROVINCIAL_ROLES, province_id__in=list(missing)
    ).order_by("province_id", "pk")
    month_name = thai_month(month.year, month.month)
    out = []
    for user in officers:
        names = missing[user.province_id]
        intro = _(
            "The monthly report for %(month)s was due on %(date)s. "
            "These districts have sent nothing yet:"
        ) % {"month": month_name, "date": thai_date(dues[(user.province_id, month)], long=True)}
        out.append(
            Outgoing(
                user=user,
                key=f"late:{month:%Y-%m}:{user.province_id}",
                title=_("Districts that have not sent the %(month)s monthly report: %(count)s")
                % {"month": month_name, "count": len(names)},
                body="\n".join([intro, *(f"- {name}" for name in names)]),
                url=COMPLETENESS_URL.format(province=user.province_id),
            )
        )
    return out


def _deliver(outgoing: list[Outgoing]) -> dict[str, int]:
    """Create the notices not sent before and email their users."""
    if not outgoing:
        return {"notices": 0, "emails": 0}
    sent = set(
        Notice.objects.filter(
            user__in={o.user.pk for o in outgoing}, key__in={o.key for o in outgoing}
        ).values_list("user_id", "key")
    )
    new = [o for o in outgoing if (o.user.pk, o.key) not in sent]
    with transaction.atomic():
        # ignore_conflicts: a run racing this one cannot make a second copy of a notice.
        Notice.objects.bulk_create(
            [Notice(user=o.user, key=o.key, title=o.title, body=o.body, url=o.url) for o in new],
            ignore_conflicts=True,
        )
        emails = _email([o for o in new if o.user.email])
        users = {o.user.pk for o in new}
        transaction.on_commit(lambda: forget_unread(users))
    return {"notices": len(new), "emails": emails}


def _email(outgoing: list[Outgoing]) -> int:
    if not outgoing:
        return 0
    with translation.override("th"):
        messages = [
            EmailMessage(
                subject=o.title,
                body="\n\n".join(
                    [o.body, _("Open it in the system: %(url)s") % {"url": _absolute(o.url)}]
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[o.user.email],
            )
            for o in outgoing
        ]
    try:
        return get_connection().send_messages(messages) or 0
    except (smtplib.SMTPException, OSError):
        # The notices are in the app anyway; a mail server down must not cost them.
        logger.exception("Could not email %s cycle notices", len(messages))
        return 0


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


# ---------------------------------------------------------------- reading notices


def mark_read(*, user, notice: Notice) -> Notice:
    """Mark one of the user's notices read (the first time it is opened)."""
    if notice.user_id != user.pk:
        raise PermissionDenied
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
        forget_unread([user.pk])
    return notice


def mark_all_read(*, user) -> int:
    """Mark all the user's unread notices read; returns how many there were."""
    count = Notice.objects.for_user(user).unread().update(read_at=timezone.now())
    forget_unread([user.pk])
    return count


UNREAD_KEY = "notices-unread-{}"


def forget_unread(user_ids) -> None:
    """Drop the cached badge counts of these users (after notices are sent or read)."""
    cache.delete_many([UNREAD_KEY.format(pk) for pk in user_ids])


def _count_unread(user) -> int:
    return cache.get_or_set(
        UNREAD_KEY.format(user.pk),
        lambda: Notice.objects.for_user(user).unread().count(),
        timeout=3600,
    )


def count_at_login(sender, request, user, **kwargs) -> None:
    """Signal receiver (``user_logged_in``): count the badge once, when the user logs in."""
    _count_unread(user)


def unread_count(request) -> dict:
    """Context processor: the number of the user's unread notices, for the menu badge. The
    count is cached (and dropped whenever it changes), so pages spend no query on it."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"unread_notices": 0}
    return {"unread_notices": _count_unread(user)}
