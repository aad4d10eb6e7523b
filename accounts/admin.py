from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import User


@admin.register(User)
class CddUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("CDD", {"fields": ("role", "province", "district", "phone")}),
    )
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "province",
        "district",
        "is_active",
    ]
    list_filter = ["role", "is_active"]

    def get_queryset(self, request):
        return User.objects.visible_to(request.user)
