from django.urls import path

from . import views

urlpatterns = [
    path("", views.user_list, name="user-list"),
    path("new/", views.user_edit, name="user-create"),
    path("<int:pk>/", views.user_edit, name="user-edit"),
    path("<int:pk>/unlock/", views.user_unlock, name="user-unlock"),
]
