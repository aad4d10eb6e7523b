"""Browser import: pick a resource, download its template, upload, preview, confirm."""

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import ImportBatch, Source

from .engine import get_resource, resources, run_import
from .exporting import table_response
from .files import FileRejected, check_size
from .forms import UploadForm

SESSION_KEY = "pending_import"


PENDING_MAX_AGE = 24 * 3600


def _pending_dir() -> Path:
    """Uploaded files waiting for confirmation; ones abandoned for a day are removed."""
    path = Path(settings.MEDIA_ROOT) / "pending-imports"
    path.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - PENDING_MAX_AGE
    for old in path.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return path


def _writer(request):
    if not request.user.can_write:
        raise PermissionDenied
    return request.user


def _preview(request, result, resource, file_name, token):
    keys = [c.key for c in resource.columns]
    preview_rows = [[row.get(k) for k in keys] for row in result.preview]
    # Name each problem's column as the template's header does: "Thai label (key)".
    labels = {c.key: f"{c.label} ({c.key})" for c in resource.columns}
    errors = [(e.row, labels.get(e.column, e.column), e.message) for e in result.errors]
    return render(
        request,
        "imports/preview.html",
        {
            "result": result,
            "resource": resource,
            "file_name": file_name,
            "token": token,
            "preview_rows": preview_rows,
            "errors": errors,
        },
    )


@login_required
def import_start(request):
    _writer(request)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"resource": request.GET.get("resource", "")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)
        except FileRejected as exc:
            form.add_error("file", str(exc))
        else:
            data = upload.read()
            resource = form.cleaned_data["resource"]
            result = run_import(resource, data, upload.name, user=request.user, dry_run=True)
            token = ""
            if result.ok:
                token = secrets.token_hex(16)
                (_pending_dir() / token).write_bytes(data)
                request.session[SESSION_KEY] = {
                    "token": token,
                    "resource": resource,
                    "name": upload.name,
                }
            return _preview(request, result, get_resource(resource), upload.name, token)
    batches = ImportBatch.objects.filter(user=request.user)[:10]
    return render(
        request, "imports/start.html", {"form": form, "resources": resources(), "batches": batches}
    )


@login_required
@require_POST
def import_confirm(request):
    user = _writer(request)
    pending = request.session.get(SESSION_KEY)
    if not pending or pending["token"] != request.POST.get("token"):
        messages.error(request, _("This preview has expired. Please upload the file again."))
        return redirect("import-start")
    path = _pending_dir() / pending["token"]
    if not path.exists():
        messages.error(request, _("This preview has expired. Please upload the file again."))
        return redirect("import-start")
    result = run_import(
        pending["resource"], path.read_bytes(), pending["name"], user=user, source=Source.WEB
    )
    path.unlink(missing_ok=True)
    del request.session[SESSION_KEY]
    if not result.ok:
        # The data changed between preview and confirmation; show the problems again.
        return _preview(request, result, get_resource(pending["resource"]), pending["name"], "")
    messages.success(
        request,
        _("Imported: %(created)s added, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("import-start")


@login_required
def import_template(request, resource):
    try:
        res = get_resource(resource)
    except KeyError:
        raise Http404 from None
    return table_response(res, [], "xlsx", f"template-{res.name}", guide=True)
