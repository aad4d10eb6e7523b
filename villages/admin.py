from django.contrib import admin

from .models import District, Province, Subdistrict, Village


class ScopedAdmin(admin.ModelAdmin):
    """The admin site also goes through the user's area."""

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user)


@admin.register(Province)
class ProvinceAdmin(ScopedAdmin):
    list_display = ["code", "name_th", "name_en"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    list_display = ["code", "name_th", "name_en", "province"]
    search_fields = ["code", "name_th", "name_en"]
    list_filter = ["province"]


@admin.register(Subdistrict)
class SubdistrictAdmin(ScopedAdmin):
    list_display = ["code", "name_th", "name_en", "district"]
    search_fields = ["code", "name_th", "name_en"]


@admin.register(Village)
class VillageAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "subdistrict"]
    search_fields = ["code", "name"]
    raw_id_fields = ["subdistrict"]
