"""The project's one way to turn report HTML into PDF bytes (WeasyPrint).

``render_pdf(html)`` gives a PDF that:
- loads only the project's static and media files (``fetcher.SafeFetcher``), never the
  network; what could not be loaded is listed in ``warnings`` for the build log;
- embeds Sarabun from the project's static files for ``font-family: "Sarabun"``;
- reads back, with pdftotext, copy and search, as the Thai source text
  (``textmap``: WeasyPrint alone turns ดำเนินงาน into ดาเนินงาน or every า into ำ).

WeasyPrint is imported here, so import this module lazily (in the task or view that renders).
"""

import contextlib
import logging
import threading

from django.conf import settings
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from . import textmap
from .fetcher import DEFAULT_BASE_URL, ResourceRefused, SafeFetcher, safe_fetcher
from .textmap import RenderTimeout

__all__ = ["RenderTimeout", "ResourceRefused", "SafeFetcher", "render_pdf", "safe_fetcher"]

# Sarabun faces offered to every report, from fontpkg-sarabun via STATICFILES_DIRS.
SARABUN_FACES = (
    (400, "normal", "Sarabun-Regular.ttf"),
    (400, "italic", "Sarabun-Italic.ttf"),
    (600, "normal", "Sarabun-SemiBold.ttf"),
    (700, "normal", "Sarabun-Bold.ttf"),
    (700, "italic", "Sarabun-BoldItalic.ttf"),
)


def sarabun_css() -> str:
    """@font-face rules for Sarabun, pointing at the local static font files."""
    return "\n".join(
        f'@font-face {{ font-family: "Sarabun"; font-weight: {weight}; font-style: {style};'
        f' src: url("{settings.STATIC_URL}fonts/sarabun/{name}") format("truetype"); }}'
        for weight, style, name in SARABUN_FACES
    )


class _FailedImages(logging.Handler):
    """Images WeasyPrint fetched but could not use (a broken file), from its log, for the
    render in this thread only."""

    def __init__(self, failed: list[str]):
        super().__init__(logging.ERROR)
        self.failed = failed
        self.thread = threading.get_ident()

    def emit(self, record):
        if (
            record.thread == self.thread
            and str(record.msg).startswith("Failed to load image at")
            and record.args
            and str(record.args[0]) not in self.failed
        ):
            self.failed.append(str(record.args[0]))


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    timeout_s: int | None = None,
    warnings: list | None = None,
    exact_text: bool = True,
) -> bytes:
    """The PDF for ``html``.

    ``base_url`` resolves relative URLs (default: site paths, "/static/..." and
    "/media/..."); give the site's address to make links in the PDF point at it.
    ``timeout_s`` stops the render with ``RenderTimeout`` once past it (checked before each
    page is laid out and each line drawn). URLs that could not be loaded are appended to
    ``warnings``; the page renders without them. ``exact_text=False`` leaves the text map to
    WeasyPrint (only to compare renders in tests).
    """
    with rendering(
        base_url=base_url, timeout_s=timeout_s, warnings=warnings, exact_text=exact_text
    ) as render:
        return render(html).write_pdf()


@contextlib.contextmanager
def rendering(
    *,
    base_url: str | None = None,
    timeout_s: int | None = None,
    warnings: list | None = None,
    exact_text: bool = True,
):
    """``render(html) -> weasyprint.Document`` for one or more pages of HTML, with what
    ``render_pdf`` promises (safe fetcher, Sarabun, exact Thai text, the deadline). Write
    each document's PDF inside the ``with`` block: its text map is made as it is drawn.
    ``reports.pdf.split`` uses it to render a long report in pieces."""
    base_url = base_url or DEFAULT_BASE_URL
    fetcher = SafeFetcher(base_url=base_url)
    font_config = FontConfiguration()
    weasy_logger = logging.getLogger("weasyprint")
    failed_images = _FailedImages(fetcher.failed)
    weasy_logger.addHandler(failed_images)
    try:
        with textmap.exact_text(exact_text, timeout_s=timeout_s):
            fonts = CSS(
                string=sarabun_css(),
                base_url=base_url,
                url_fetcher=fetcher,
                font_config=font_config,
            )

            def render(html: str):
                document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
                return document.render(stylesheets=[fonts], font_config=font_config)

            yield render
    finally:
        weasy_logger.removeHandler(failed_images)
        if warnings is not None:
            warnings.extend(_as_written(url, base_url) for url in fetcher.failed)


def _as_written(url: str, base_url: str) -> str:
    """A failed URL as the template wrote it ("/media/..."), when it was resolved against
    the default base."""
    prefixes = [p for p in (settings.STATIC_URL, settings.MEDIA_URL) if p and p.startswith("/")]
    if base_url == DEFAULT_BASE_URL and url.startswith("file:///"):
        path = url[len("file://") :]
        if any(path.startswith(prefix) for prefix in prefixes):
            return path
    return url
