from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.submission_month, name="submission-month"),
    path("completeness/", views.completeness_page, name="completeness"),
    path("review/", views.review_month, name="review-month"),
    path("submissions/<int:pk>/", views.submission_edit, name="submission-edit"),
    path("submissions/<int:pk>/section/", views.section_autosave, name="submission-section"),
    path("submissions/<int:pk>/value/", views.value_autosave, name="submission-value"),
    path("submissions/<int:pk>/files/", views.attachment_add, name="submission-attach"),
    path("submissions/<int:pk>/submit/", views.submission_submit, name="submission-submit"),
    path("submissions/<int:pk>/review/", views.submission_review, name="submission-review"),
    path("files/<int:pk>/", views.attachment_file, name="submission-file"),
    path("files/<int:pk>/delete/", views.attachment_delete, name="submission-file-delete"),
    path("values/<int:pk>/history/", views.value_history, name="value-history"),
    path("settings/", include("reports.urls_settings")),
    path("monthly/", include("reports.urls_archive")),
    path("document/", include("reports.urls_document")),
]
