"""The user's notices: the list, opening one (marks it read and goes to its page) and marking
them all read. Only the user's own notices are ever found; anyone else's is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import notices
from .models import Notice

PER_PAGE = 50


@login_required
def notice_list(request):
    mine = Notice.objects.for_user(request.user)
    page = Paginator(mine, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/notices.html",
        {"page": page, "has_unread": mine.unread().exists()},
    )


@login_required
def notice_open(request, pk):
    notice = get_object_or_404(Notice.objects.for_user(request.user), pk=pk)
    notices.mark_read(user=request.user, notice=notice)
    safe = url_has_allowed_host_and_scheme(
        notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(notice.url if notice.url and safe else "notice-list")


@login_required
@require_POST
def notice_read_all(request):
    count = notices.mark_all_read(user=request.user)
    if count:
        messages.success(request, _("%(count)s notices marked as read.") % {"count": count})
    return redirect("notice-list")
