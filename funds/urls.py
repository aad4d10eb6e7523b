from django.urls import include, path

# WDF pages (loans, payments, relief, figures, follow-up) and the budget/กข.คจ. pages live in
# separate modules.
urlpatterns = [
    path("wdf/", include("funds.urls_wdf")),
    path("", include("funds.urls_other")),
]
