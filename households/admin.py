from django.contrib import admin

from villages.admin import ScopedAdmin

from .models import Assistance, DevelopmentPlan, Household, Indicator, IndicatorEdition, MentorTeam
from .services import place_in_village


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ["house_code", "head_name", "village", "source", "status"]
    search_fields = ["house_code", "head_name"]
    list_filter = ["source", "status"]
    raw_id_fields = ["village"]
    exclude = ["national_id"]

    def save_model(self, request, obj, form, change):
        place_in_village(obj, obj.village)  # keep the copied area codes in step, as services do
        super().save_model(request, obj, form, change)


@admin.register(DevelopmentPlan)
class DevelopmentPlanAdmin(ScopedAdmin):
    list_display = ["household", "made_on", "mentor_team"]
    raw_id_fields = ["household"]


@admin.register(Assistance)
class AssistanceAdmin(ScopedAdmin):
    list_display = ["household", "date", "dimension", "phase", "agency", "value"]
    list_filter = ["dimension", "phase"]
    raw_id_fields = ["household"]


@admin.register(MentorTeam)
class MentorTeamAdmin(ScopedAdmin):
    list_display = ["name", "district"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(IndicatorEdition)
class IndicatorEditionAdmin(admin.ModelAdmin):
    list_display = ["name", "first_year", "last_year"]
    inlines = [IndicatorInline]
