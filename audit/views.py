from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from cdd.scoping import get_visible_or_404

from .registry import is_audited
from .services import history_for


@login_required
def record_history(request, app_label, model_name, pk):
    """A record's changes, shown only to users who may see the record itself."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    if not is_audited(model):
        raise Http404
    obj = get_visible_or_404(model, request.user, pk=pk)
    entries = history_for(obj)[:500]
    return render(
        request, "audit/history.html", {"object": obj, "entries": entries, "model": model}
    )
