from django.contrib import admin

from villages.admin import ScopedAdmin

from .models import FabricTargetFactor, Producer, Product, Sale, StarRating


class ReadOnlyAdmin(admin.ModelAdmin):
    """OTOP records change through the pages, API and imports, which check the area and keep
    the audit trail; the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyScopedAdmin(ReadOnlyAdmin, ScopedAdmin):
    pass


@admin.register(Producer)
class ProducerAdmin(ReadOnlyScopedAdmin):
    list_display = ["code", "name", "kind", "district", "subdistrict", "active"]
    search_fields = ["code", "name"]
    list_filter = ["kind", "thai_fabric_group", "active"]


@admin.register(Product)
class ProductAdmin(ReadOnlyScopedAdmin):
    list_display = ["code", "name", "producer", "category", "stars", "stars_year", "thai_fabric"]
    search_fields = ["code", "name", "producer__code"]
    list_filter = ["category", "stars", "thai_fabric"]


@admin.register(StarRating)
class StarRatingAdmin(ReadOnlyScopedAdmin):
    list_display = ["product", "year", "stars"]
    search_fields = ["product__code"]


@admin.register(Sale)
class SaleAdmin(ReadOnlyScopedAdmin):
    list_display = ["producer", "product", "month", "channel", "amount"]
    search_fields = ["producer__code", "product__code"]
    list_filter = ["channel"]
    date_hierarchy = "month"


@admin.register(FabricTargetFactor)
class FabricTargetFactorAdmin(ReadOnlyAdmin):
    list_display = ["fiscal_year", "factor"]
