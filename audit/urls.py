from django.urls import path

from . import views

urlpatterns = [
    path("<str:app_label>/<str:model_name>/<str:pk>/", views.record_history, name="record-history"),
]
