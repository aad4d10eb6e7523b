from django.urls import path

from . import views_wdf as views

urlpatterns = [
    path("", views.figures, name="wdf-figures"),
    path("reported/", views.month_reported, name="wdf-month-reported"),
    path("loans/", views.loan_list, name="wdf-loan-list"),
    path("loans/export.xlsx", views.loan_export, name="wdf-loan-export"),
    path("loans/new/", views.loan_create, name="wdf-loan-create"),
    path("loans/<int:pk>/", views.loan_detail, name="wdf-loan-detail"),
    path("loans/<int:pk>/edit/", views.loan_edit, name="wdf-loan-edit"),
    path("loans/<int:pk>/restructure/", views.loan_restructure, name="wdf-loan-restructure"),
    path("payments/batch/", views.payment_batch, name="wdf-payment-batch"),
    path("payments/<int:pk>/delete/", views.payment_delete, name="wdf-payment-delete"),
    path("follow-up/", views.follow_up, name="wdf-follow-up"),
    path("follow-up/export.xlsx", views.follow_up_export, name="wdf-follow-up-export"),
    path("relief/", views.relief_list, name="wdf-relief-list"),
    path("relief/new/", views.relief_create, name="wdf-relief-create"),
    path("relief/<int:pk>/edit/", views.relief_edit, name="wdf-relief-edit"),
    path("relief/<int:pk>/apply/", views.relief_apply, name="wdf-relief-apply"),
]
