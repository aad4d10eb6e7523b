from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.choices import Role
from villages.models import District, Subdistrict, Village


@login_required
def home(request):
    user = request.user
    if user.role == Role.DEPARTMENT_VIEWER:
        # The Department reads the country's figures first: the national ranking.
        return redirect("dashboard-national")
    stats = {
        "districts": District.objects.visible_to(user).count(),
        "subdistricts": Subdistrict.objects.visible_to(user).count(),
        "villages": Village.objects.visible_to(user).count(),
    }
    return render(request, "home.html", {"stats": stats, "today": timezone.localdate()})


def private_file(field_file) -> FileResponse:
    """A stored upload (a photo) served by a view that checked who may see it: cached by the
    browser only, never by shared caches. A file missing from storage is a 404."""
    try:
        response = FileResponse(field_file.open("rb"))
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "private, max-age=3600"
    return response
