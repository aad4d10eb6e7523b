"""The WDF budget and กข.คจ. village fund pages (mounted at /funds/)."""

from django.urls import path

from . import views_other as views

urlpatterns = [
    path("budget/", views.budget_lines, name="budget-lines"),
    path("budget/new/", views.budget_line_create, name="budget-line-create"),
    path("budget/<int:pk>/", views.budget_line_detail, name="budget-line-detail"),
    path("budget/<int:pk>/edit/", views.budget_line_edit, name="budget-line-edit"),
    path(
        "budget/<int:pk>/disbursements/new/",
        views.budget_disbursement_create,
        name="budget-disbursement-create",
    ),
    path(
        "budget/<int:pk>/projects/new/", views.budget_project_create, name="budget-project-create"
    ),
    path(
        "budget/projects/<int:pk>/status/",
        views.budget_project_status,
        name="budget-project-status",
    ),
    path("kkj/", views.kkj_fund_list, name="kkj-fund-list"),
    path("kkj/export.xlsx", views.kkj_fund_export, name="kkj-fund-export"),
    path("kkj/new/", views.kkj_fund_create, name="kkj-fund-create"),
    path("kkj/follow-up/", views.kkj_follow_up, name="kkj-follow-up"),
    path("kkj/<int:pk>/", views.kkj_fund_detail, name="kkj-fund-detail"),
    path("kkj/<int:pk>/edit/", views.kkj_fund_edit, name="kkj-fund-edit"),
    path("kkj/<int:pk>/follow-up/new/", views.kkj_follow_up_create, name="kkj-follow-up-create"),
]
