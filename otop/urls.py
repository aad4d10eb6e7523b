from django.urls import path

from . import views

urlpatterns = [
    path("", views.targets, name="otop-targets"),
    path("export.xlsx", views.targets_export, name="otop-targets-export"),
    path("sales/", views.sales_entry, name="otop-sales-entry"),
    path("sales/export.xlsx", views.sales_export, name="otop-sales-export"),
    path("producers/", views.producer_list, name="otop-producer-list"),
    path("producers/export.xlsx", views.producer_export, name="otop-producer-export"),
    path("producers/new/", views.producer_create, name="otop-producer-create"),
    path("producers/<int:pk>/", views.producer_detail, name="otop-producer-detail"),
    path("producers/<int:pk>/edit/", views.producer_edit, name="otop-producer-edit"),
    path("products/", views.product_list, name="otop-product-list"),
    path("products/export.xlsx", views.product_export, name="otop-product-export"),
    path("products/new/", views.product_create, name="otop-product-create"),
    path("products/<int:pk>/edit/", views.product_edit, name="otop-product-edit"),
    path("products/<int:pk>/photo/", views.product_photo, name="otop-product-photo"),
]
