"""API permission, kept apart from cdd.api so DRF settings can import it early."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions


class AreaPermission(permissions.BasePermission):
    """Signed-in users with a role may read; only roles that write may change anything."""

    message = _("Your role may only read data.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return user.can_write
