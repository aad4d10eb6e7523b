from django.urls import path

from . import sv_views, views

urlpatterns = [
    path("", views.area_overview, name="area-overview"),
    path("provinces/<str:code>/", views.province_detail, name="province-detail"),
    path("districts/<str:code>/", views.district_detail, name="district-detail"),
    path("villages/", views.village_list, name="village-list"),
    path("villages/new/", views.village_create, name="village-create"),
    path("villages/export.<str:fmt>", views.village_export, name="village-export"),
    path("villages/<str:code>/", views.village_detail, name="village-detail"),
    path("villages/<str:code>/edit/", views.village_edit, name="village-edit"),
    path("villages/<str:code>/delete/", views.village_delete, name="village-delete"),
    path("sustainable/", sv_views.sv_overview, name="sv-overview"),
    path("sustainable/designate/", sv_views.sv_designate, name="sv-designate"),
    path("sustainable/<str:code>/<int:year>/", sv_views.sv_village, name="sv-village"),
    path("sustainable/<str:code>/<int:year>/assess/", sv_views.sv_assess, name="sv-assess"),
]
