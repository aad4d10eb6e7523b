"""The only resources a report PDF may load: the project's static files and media files.

Nothing is fetched over the network. A URL is served when it names
- a static file: a path under ``STATIC_URL`` (found in ``STATIC_ROOT``, else by the
  staticfiles finders, so the Sarabun font in ``fontpkg-sarabun`` is found too);
- a media file: a path under ``MEDIA_URL``, inside ``MEDIA_ROOT``;
- a ``file:`` path inside one of those roots;
- a small inline ``data:`` image.
Paths come from ``file:`` URLs, root-relative URLs, or ``http(s)`` URLs on the origin of the
render's own ``base_url`` (so links in the PDF can point at the site while its images are
still read from disk). Everything else, and any path with ``..`` in it, is refused.

A refused or missing resource raises ``ResourceRefused``; WeasyPrint turns that into a
missing resource (a logged error, the page renders on) and the fetcher notes the URL in
``failed`` for the build log.
"""

import base64
import binascii
import mimetypes
import os
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Where relative and root-relative URLs in the report resolve when the caller gives no base:
# "/static/css/pdf.css" becomes "file:///static/css/pdf.css", a path this fetcher reads as
# the site path /static/css/pdf.css, never as that path on disk.
DEFAULT_BASE_URL = "file:///"

MAX_DATA_URL_BYTES = 512 * 1024


class ResourceRefused(ValueError):
    """A resource the report may not load, or that does not exist."""


class _FileResponse(URLFetcherResponse):
    """A served file: keeps the URL it was asked by (so relative URLs inside a stylesheet
    resolve in the same URL space) but tells WeasyPrint the real file it read."""

    def __init__(self, url, real_path: Path):
        content_type = mimetypes.guess_type(real_path.name)[0] or "application/octet-stream"
        super().__init__(url, real_path.read_bytes(), {"Content-Type": content_type})
        self._real_path = str(real_path)

    @property
    def path(self):
        return self._real_path


def _is_inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _clean_relative(relative: str) -> str:
    """A relative path with no way out of its root, or ``ResourceRefused``."""
    parts = PurePosixPath(relative).parts
    if (
        not relative
        or relative.startswith("/")
        or "\\" in relative
        or "\x00" in relative
        or ".." in parts
    ):
        raise ResourceRefused(f"path not allowed: {relative!r}")
    return relative


def static_file(relative: str) -> Path:
    """The file a static path (``css/pdf.css``) names: collected, else found by the finders."""
    relative = _clean_relative(relative)
    if settings.STATIC_ROOT:
        try:
            candidate = Path(safe_join(settings.STATIC_ROOT, relative))
        except SuspiciousFileOperation as error:
            raise ResourceRefused(str(error)) from error
        if candidate.is_file():
            return candidate
    found = finders.find(relative)
    if found and Path(found).is_file():
        return Path(found)
    raise ResourceRefused(f"no static file {relative!r}")


def media_file(relative: str) -> Path:
    """The file a media path names, only inside ``MEDIA_ROOT``."""
    relative = _clean_relative(relative)
    try:
        candidate = Path(safe_join(settings.MEDIA_ROOT, relative))
    except SuspiciousFileOperation as error:
        raise ResourceRefused(str(error)) from error
    # Uploads cannot make links, but a link placed by hand must not lead out either.
    real = Path(os.path.realpath(candidate))
    if not _is_inside(real, Path(os.path.realpath(settings.MEDIA_ROOT))):
        raise ResourceRefused(f"media path leads outside MEDIA_ROOT: {relative!r}")
    if not real.is_file():
        raise ResourceRefused(f"no media file {relative!r}")
    return real


def _static_roots() -> list[Path]:
    roots = [settings.STATIC_ROOT] if settings.STATIC_ROOT else []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            if getattr(storage, "location", None):
                roots.append(storage.location)
    return [Path(os.path.realpath(root)) for root in roots]


def _file_inside_roots(path: str) -> Path:
    """A ``file:`` path on disk, served only inside the static or media roots."""
    if "\x00" in path or ".." in PurePosixPath(path).parts:
        raise ResourceRefused(f"path not allowed: {path!r}")
    real = Path(os.path.realpath(path))
    roots = _static_roots()
    if settings.MEDIA_ROOT:
        roots.append(Path(os.path.realpath(settings.MEDIA_ROOT)))
    if real.is_file() and any(_is_inside(real, root) for root in roots):
        return real
    raise ResourceRefused(f"file outside the static and media roots: {path!r}")


def _site_path(path: str, *, allow_disk: bool) -> Path:
    """The file a site path names: under STATIC_URL or MEDIA_URL, else (``file:`` only) a
    path on disk inside the roots."""
    static_prefix = urlsplit(settings.STATIC_URL or "").path or None
    media_prefix = urlsplit(settings.MEDIA_URL or "").path or None
    if static_prefix and static_prefix != "/" and path.startswith(static_prefix):
        return static_file(path[len(static_prefix) :])
    if media_prefix and media_prefix != "/" and path.startswith(media_prefix):
        return media_file(path[len(media_prefix) :])
    if allow_disk:
        return _file_inside_roots(path)
    raise ResourceRefused(f"not a static or media path: {path!r}")


def _data_response(url: str) -> URLFetcherResponse:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise ResourceRefused("malformed data: URL")
    media_type = header.split(";")[0].strip().lower()
    if not media_type.startswith("image/"):
        raise ResourceRefused(f"data: URL of type {media_type or 'text/plain'} not allowed")
    if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
        raise ResourceRefused("data: URL too large")
    try:
        if header.endswith(";base64"):
            body = base64.b64decode(payload, validate=True)
        else:
            body = unquote(payload).encode("latin-1")
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ResourceRefused("malformed data: URL") from error
    if len(body) > MAX_DATA_URL_BYTES:
        raise ResourceRefused("data: URL too large")
    return URLFetcherResponse(url, body, {"Content-Type": media_type})


def _origin(url: str | None) -> tuple[str, str] | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return parts.scheme, parts.netloc.lower()
    return None


class SafeFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves only the project's static and media files.

    ``failed`` lists the URLs it refused or could not find, in order, once each."""

    def __init__(self, *, base_url: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self._own_origin = _origin(base_url)
        self.failed: list[str] = []

    def fetch(self, url, headers=None):
        try:
            return self._serve(url)
        except Exception:
            if url not in self.failed:
                self.failed.append(url)
            raise

    def _serve(self, url: str) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            return _data_response(url)
        static_url = settings.STATIC_URL or ""
        if _origin(static_url) and url.startswith(static_url):
            # A STATIC_URL on another host (a CDN) still names a file served from disk.
            relative = unquote(urlsplit(url[len(static_url) :]).path)
            return _FileResponse(url, static_file(relative))
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise ResourceRefused(f"file URL on another host: {url!r}")
            allow_disk = True
        elif scheme in ("http", "https") and (scheme, parts.netloc.lower()) == self._own_origin:
            allow_disk = False
        elif not scheme and not parts.netloc and url.startswith("/"):
            allow_disk = False  # A root-relative site path, as in a template.
        else:
            raise ResourceRefused(f"URL not allowed (no network access): {url!r}")
        return _FileResponse(url, _site_path(unquote(parts.path), allow_disk=allow_disk))


def safe_fetcher(url: str) -> URLFetcherResponse:
    """Serve ``url`` if it is one of the project's static or media files (see module
    docstring), else raise ``ResourceRefused``. ``render_pdf`` uses a ``SafeFetcher`` per
    render instead, to collect the URLs that failed."""
    return SafeFetcher().fetch(url)
