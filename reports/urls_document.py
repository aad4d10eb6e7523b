"""The monthly report document, under /reports/document/."""

from django.urls import path

from . import document_views as views

urlpatterns = [
    path("", views.report_preview, name="report-preview"),
    path("pdf/", views.report_pdf_view, name="report-pdf"),
]
