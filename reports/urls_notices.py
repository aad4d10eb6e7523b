from django.urls import path

from . import notice_views

urlpatterns = [
    path("", notice_views.notice_list, name="notice-list"),
    path("read/", notice_views.notice_read_all, name="notice-read-all"),
    path("<int:pk>/", notice_views.notice_open, name="notice-open"),
]
