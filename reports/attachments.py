"""Photos and documents on a district's submission: checked for size and type before anything
is stored, and only while the submission may be edited."""

import zipfile

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.context import attributed
from households.forms import check_photo

from .cycle import require_edit
from .models import Attachment, AttachmentKind, Mission, Submission

MAX_DOCUMENT_MB = 10
MAX_ATTACHMENTS = 30
DOCUMENT_TYPES = {".pdf": "PDF", ".docx": "Word", ".xlsx": "Excel"}
OOXML = {".docx": "word/", ".xlsx": "xl/"}


def _document_kind(upload) -> str | None:
    """The document's real type by its content (not its name): PDF, or a Word/Excel file."""
    name = upload.name.lower()
    ext = next((e for e in DOCUMENT_TYPES if name.endswith(e)), None)
    if ext is None:
        return None
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    try:
        if ext == ".pdf":
            return ext if head == b"%PDF-" else None
        if not head.startswith(b"PK\x03\x04"):
            return None
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
        ok = "[Content_Types].xml" in names and any(n.startswith(OOXML[ext]) for n in names)
        return ext if ok else None
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)


def check_document(upload) -> None:
    if upload.size > MAX_DOCUMENT_MB * 1024 * 1024:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; a document may be at most %(limit)s MB.")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": MAX_DOCUMENT_MB},
            code="too_big",
        )
    if _document_kind(upload) is None:
        raise ValidationError(
            _("%(name)s is not a PDF, Word (.docx) or Excel (.xlsx) file.") % {"name": upload.name},
            code="bad_type",
        )


@attributed
@transaction.atomic
def attach(
    *, user, submission: Submission, upload, kind: str, mission: Mission | None = None, caption=""
) -> Attachment:
    """Store one photo (JPEG/PNG/WebP, at most 5 MB) or document (PDF/DOCX/XLSX, at most
    10 MB) on the submission. Refused with the reason; nothing is stored then."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    require_edit(user, submission)
    if mission is not None and mission.province_id != submission.province_id:
        raise ValidationError(_("This mission or heading belongs to another province."))
    if submission.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            {"file": _("At most %(n)s files per submission.") % {"n": MAX_ATTACHMENTS}}
        )
    try:
        if kind == AttachmentKind.PHOTO:
            check_photo(upload)
        elif kind == AttachmentKind.DOCUMENT:
            check_document(upload)
        else:
            raise ValidationError(_("Choose a photo or a document."))
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    return Attachment.objects.create(
        submission=submission,
        mission=mission,
        kind=kind,
        file=upload,
        name=upload.name[:200],
        size=upload.size,
        caption=caption.strip()[:200],
        uploaded_by=user,
    )


@attributed
@transaction.atomic
def detach(*, user, attachment: Attachment) -> None:
    submission = Submission.objects.select_for_update().get(pk=attachment.submission_id)
    require_edit(user, submission)
    attachment.delete()
    transaction.on_commit(lambda: attachment.file.delete(save=False))
