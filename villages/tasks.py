"""Background work on the geography. Tasks take codes/ids and call selectors or services."""

from celery import shared_task
from django.db.models import Count

from .models import District


@shared_task(acks_late=True, reject_on_worker_lost=True)
def village_counts(province_code: str) -> dict:
    """Villages per district of a province (read-only, so safe to run twice)."""
    rows = (
        District.objects.filter(province_id=province_code)
        .annotate(n=Count("subdistricts__villages"))
        .order_by("code")
        .values_list("code", "n")
    )
    return dict(rows)
