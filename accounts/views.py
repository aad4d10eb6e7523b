from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cdd.scoping import get_visible_or_404

from . import services
from .forms import UserForm
from .models import User


def _manager(request):
    if not request.user.manages_users:
        raise PermissionDenied
    return request.user


@login_required
def user_list(request):
    manager = _manager(request)
    users = (
        User.objects.visible_to(manager).select_related("province", "district").order_by("username")
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page})


@login_required
def user_edit(request, pk=None):
    manager = _manager(request)
    user = get_visible_or_404(User, manager, pk=pk) if pk else User()
    form = UserForm(request.POST or None, instance=user, manager=manager)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_save(
                manager=manager, user=form.instance, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("User %(name)s saved.") % {"name": form.instance.username})
            return redirect("user-list")
    title = _("Edit user") if pk else _("Add user")
    return render(
        request, "accounts/user_form.html", {"form": form, "title": title, "target": user}
    )


@login_required
@require_POST
def user_unlock(request, pk):
    """Clear failed log-in attempts so a locked-out colleague can log in again."""
    manager = _manager(request)
    user = get_visible_or_404(User, manager, pk=pk)
    services.user_unlock(manager=manager, user=user)
    messages.success(request, _("User %(name)s can log in again.") % {"name": user.username})
    return redirect("user-edit", pk=user.pk)
