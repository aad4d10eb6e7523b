from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from villages.models import District, Subdistrict, Village


@login_required
def home(request):
    user = request.user
    stats = {
        "districts": District.objects.visible_to(user).count(),
        "subdistricts": Subdistrict.objects.visible_to(user).count(),
        "villages": Village.objects.visible_to(user).count(),
    }
    return render(request, "home.html", {"stats": stats, "today": timezone.localdate()})
