from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import funds.api  # noqa: F401  (registers its routes)
import households.api  # noqa: F401
import otop.api  # noqa: F401
import villages.api  # noqa: F401
from cdd.api import router
from dashboards.api import DashboardView, RankingView
from reports.api import SectionView

from . import views

api_urls = [
    path("", include(router.urls)),
    path("sections/<str:name>/", SectionView.as_view(), name="section"),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("dashboard/ranking/", RankingView.as_view(), name="dashboard-ranking"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("areas/", include("villages.urls")),
    path("households/", include("households.urls")),
    path("funds/", include("funds.urls")),
    path("otop/", include("otop.urls")),
    path("visits/", include("visits.urls")),
    path("notices/", include("reports.urls_notices")),
    path("reports/", include("reports.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("users/", include("accounts.urls")),
    path("imports/", include("imports.urls")),
    path("history/", include("audit.urls")),
    path("api/v1/", include((api_urls, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
