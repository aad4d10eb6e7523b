"""A long PDF rendered in pieces, in parallel processes, as one document.

WeasyPrint lays out and draws a document on one core: a province's report (240 pages) takes
most of its build time there. ``render_split`` renders the body of the report in slices
(whole missions; ``reports.document`` chooses them) in forked processes while this process
renders the cover and summary and then the contents, and joins the PDFs (pypdf). The pages
are the ones a single render gives: each slice starts on a page of its own in the whole
report too, and its page numbers ("หน้า N / M") are shifted as they would run in one
document:

- every piece is laid out first; WeasyPrint then makes the page margin boxes (header,
  footer, page number) once all pages of a piece are known. At that point each child sends
  its page count and waits; the parent, knowing every count, answers with the piece's first
  page and the total. ``_make_margin_boxes`` shifts WeasyPrint's ``page`` counter and sets
  ``pages`` (the only change to WeasyPrint, made under the same release check as
  ``textmap``).
- the contents page needs the page of each part and mission, known only at the end: it is
  rendered first with the widest numbers ("888") to count its pages, then again with the
  real numbers (from the pieces' anchors), and must give the same page count (else the
  report is rendered in one piece).
- links from the contents and the outline (bookmarks) point across pieces, so they are
  added to the joined PDF here, from WeasyPrint's own link areas and bookmark tree.

A child that fails or dies makes ``render_split`` raise ``SplitFailed`` (and the other
children are killed); a child's deadline is the caller's. Children are forked (no Django
start-up) and never touch the database; they end with ``os._exit``.
"""

import contextlib
import ctypes
import io
import logging
import os
import signal
import tempfile
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe

from weasyprint import layout as layout_module

from . import rendering, textmap
from .textmap import RenderTimeout

logger = logging.getLogger(__name__)

PX_TO_PT = 0.75  # WeasyPrint's CSS pixels to PDF points

# (this piece's page count) -> (pages before this piece, pages in the whole document)
_numbering: ContextVar[Callable[[int], tuple[int, int]] | None] = ContextVar(
    "cdd_pdf_numbering", default=None
)


class SplitFailed(RuntimeError):
    """A piece could not be rendered (the message says which and why)."""


# ---------------------------------------------------------------- page numbers


def _make_margin_boxes(context, page, state):
    numbering = _numbering.get()
    if numbering is not None:
        counters = dict(state[1])
        before, total = numbering(counters["pages"][0])
        counters["page"] = [counters["page"][0] + before]
        counters["pages"] = [total]
        state = (state[0], counters, *state[2:])
    return _original_make_margin_boxes(context, page, state)


def _install() -> bool:
    global _original_make_margin_boxes
    if getattr(layout_module.make_margin_boxes, "_cdd_numbering", False):
        return True
    if not textmap.INSTALLED:  # an untested WeasyPrint release: render in one piece
        return False
    _original_make_margin_boxes = layout_module.make_margin_boxes
    _make_margin_boxes._cdd_numbering = True
    layout_module.make_margin_boxes = _make_margin_boxes
    return True


INSTALLED = _install()


class _Numbering:
    """The numbering of one piece: ``exchange(count)`` is asked once, when the piece's
    pages are laid out, and gives ``(pages before, total)``."""

    def __init__(self, exchange: Callable[[int], tuple[int, int]]):
        self.exchange = exchange
        self.answer: tuple[int, int] | None = None

    def __call__(self, count: int) -> tuple[int, int]:
        if self.answer is None:
            self.answer = self.exchange(count)
        return self.answer


@contextlib.contextmanager
def numbered(exchange: Callable[[int], tuple[int, int]]):
    token = _numbering.set(_Numbering(exchange))
    try:
        yield
    finally:
        _numbering.reset(token)


# ---------------------------------------------------------------- pieces


@dataclass
class Piece:
    """What a rendered piece tells the joiner."""

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float]]  # name -> (page index, x pt, y pt from top)
    bookmarks: list = field(default_factory=list)  # (page, level, label, x, y, state), pt
    links: list = field(default_factory=list)  # (page index, anchor, (x1, y1, x2, y2)) in pt
    heights: list = field(default_factory=list)  # page heights (pt)
    failed: list = field(default_factory=list)  # what the fetcher could not load


def _piece(document, pdf: bytes, failed: list) -> Piece:
    anchors, links, heights = {}, [], []
    for i, page in enumerate(document.pages):
        height = page.height * PX_TO_PT
        heights.append(height)
        for name, (x, y, _x2, _y2) in page.anchors.items():
            anchors.setdefault(name, (i, x * PX_TO_PT, y * PX_TO_PT))
        for link_type, target, (x1, y1, x2, y2), _box in page.links:
            if link_type == "internal":  # PDF rectangles: from the bottom left
                rect = (
                    x1 * PX_TO_PT,
                    height - y2 * PX_TO_PT,
                    x2 * PX_TO_PT,
                    height - y1 * PX_TO_PT,
                )
                links.append((i, target, rect))
    return Piece(
        pdf=pdf,
        pages=len(document.pages),
        anchors=anchors,
        bookmarks=[
            (i, level, label, x * PX_TO_PT, page.height * PX_TO_PT - y * PX_TO_PT, state)
            for i, page in enumerate(document.pages)
            for level, label, (x, y), state in page.bookmarks
        ],
        links=links,
        heights=heights,
        failed=list(failed),
    )


class _Child:
    """A forked process rendering one piece of HTML."""

    def __init__(self, index: int, html: str, options: dict):
        self.index = index
        self.conn, child_conn = Pipe()
        fd, self.path = tempfile.mkstemp(prefix="cdd-report-part-", suffix=".pdf")
        os.close(fd)
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child (its result is tested)
            code = 1
            try:
                self.conn.close()
                _die_with_parent()
                _render_child(child_conn, html, self.path, options)
                code = 0
            except BaseException:  # noqa: BLE001 - told to the parent, then exit
                with contextlib.suppress(Exception):
                    child_conn.send(("error", traceback.format_exc()))
            finally:
                os._exit(code)
        child_conn.close()
        self.count: int | None = None
        self.piece: Piece | None = None

    def receive(self, deadline: float | None):
        """The child's next message; ``SplitFailed`` if it failed or died."""
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        if not self.conn.poll(wait):
            raise RenderTimeout(f"report piece {self.index} is past the time limit")
        try:
            kind, value = self.conn.recv()
        except EOFError as exc:
            raise SplitFailed(f"report piece {self.index}: its process ended early") from exc
        if kind == "error":
            raise SplitFailed(f"report piece {self.index} failed:\n{value}")
        return kind, value

    def finish(self):
        """Reap the process and remove its file (after its PDF is read)."""
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.conn.close()

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.finish()


def _die_with_parent():  # pragma: no cover - runs in the child
    """Linux: the child is killed if the worker that forked it dies (``kill -9``)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _render_child(conn: Connection, html: str, path: str, options: dict):  # pragma: no cover
    def exchange(count: int) -> tuple[int, int]:
        conn.send(("count", count))
        kind, value = conn.recv()
        return value

    failed: list = []
    with rendering(warnings=failed, **options) as render, numbered(exchange):
        document = render(html)
        pdf = document.write_pdf()
    with open(path, "wb") as fh:
        fh.write(pdf)
    piece = _piece(document, b"", failed)
    conn.send(("done", piece))


# ---------------------------------------------------------------- the whole


class _NoAnchorFilter(logging.Filter):
    """The contents piece links to anchors in other pieces; WeasyPrint would log each as
    missing (the links are added when the pieces are joined)."""

    def filter(self, record):
        return not str(record.msg).startswith("No anchor #")


@contextlib.contextmanager
def _quiet_anchors():
    weasy_logger = logging.getLogger("weasyprint")
    quiet = _NoAnchorFilter()
    weasy_logger.addFilter(quiet)
    try:
        yield
    finally:
        weasy_logger.removeFilter(quiet)


def render_split(
    *,
    front: str,
    contents: Callable[[dict[str, int] | None], str],
    bodies: list[str],
    timeout_s: int | None = None,
    warnings: list | None = None,
    base_url: str | None = None,
) -> bytes:
    """One PDF of ``front`` (cover and summary), the contents, then each of ``bodies``.

    ``contents(None)`` is the contents page with placeholder numbers, ``contents(pages)``
    with ``pages``: anchor -> page number (1-based). Raises ``SplitFailed`` if a piece
    fails, ``RenderTimeout`` past ``timeout_s``."""
    if not INSTALLED:
        raise SplitFailed("page numbering across pieces is not available")
    options = {"timeout_s": timeout_s, "base_url": base_url}
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    children: list[_Child] = []
    try:
        children = [_Child(i, html, options) for i, html in enumerate(bodies)]
        failed: list = []
        with rendering(warnings=failed, **options) as render:
            with _quiet_anchors():
                contents_pages = len(render(contents(None)).pages)
            sizes: dict[str, int] = {}

            def front_exchange(count: int) -> tuple[int, int]:
                for child in children:
                    kind, child.count = child.receive(deadline)
                before = count + contents_pages
                total = before + sum(child.count for child in children)
                for child in children:
                    child.conn.send(("numbers", (before, total)))
                    before += child.count
                sizes["total"] = total
                return 0, total

            with numbered(front_exchange):
                front_document = render(front)
                front_piece = _piece(front_document, front_document.write_pdf(), [])
            bodies_done = []
            for child in children:
                kind, piece = child.receive(deadline)
                with open(child.path, "rb") as fh:
                    piece.pdf = fh.read()
                bodies_done.append(piece)
                failed.extend(p for p in piece.failed if p not in failed)
            # Where each piece starts: front, contents, bodies.
            starts = [0, front_piece.pages]
            at = front_piece.pages + contents_pages
            for piece in bodies_done:
                starts.append(at)
                at += piece.pages
            pieces_after_contents = [(0, front_piece)] + list(
                zip(starts[2:], bodies_done, strict=True)
            )
            pages = {}
            for start, piece in pieces_after_contents:
                for name, (index, _x, _y) in piece.anchors.items():
                    pages.setdefault(name, start + index + 1)
            with numbered(lambda count: (front_piece.pages, sizes["total"])), _quiet_anchors():
                contents_document = render(contents(pages))
                if len(contents_document.pages) != contents_pages:
                    raise SplitFailed("the contents page changed length with its numbers")
                contents_piece = _piece(contents_document, contents_document.write_pdf(), [])
    except BaseException:
        for child in children:
            child.kill()
        raise
    for child in children:
        child.finish()
    if warnings is not None:
        warnings.extend(failed)
    ordered = [(0, front_piece), (starts[1], contents_piece)] + list(
        zip(starts[2:], bodies_done, strict=True)
    )
    return _join(ordered, front_document.metadata)


def _join(pieces: list[tuple[int, Piece]], metadata) -> bytes:
    """One PDF of the pieces in order, with links and an outline across them."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit, NameObject, TextStringObject

    writer = PdfWriter()
    for _start, piece in pieces:
        writer.append(PdfReader(io.BytesIO(piece.pdf)), import_outline=False)
    heights = [h for _start, piece in pieces for h in piece.heights]
    anchors = {}
    for start, piece in pieces:
        for name, (index, x, y) in piece.anchors.items():
            anchors.setdefault(name, (start + index, x, heights[start + index] - y))
    for start, piece in pieces:
        for index, target, rect in piece.links:
            if target in anchors:
                page, x, top = anchors[target]
                writer.add_annotation(
                    start + index,
                    Link(rect=rect, target_page_index=page, fit=Fit.xyz(left=x, top=top)),
                )

    # One outline for the whole: a bookmark goes under the last one of a lower level, in
    # whichever piece that was (missions continue under their part's heading).
    stack: list[tuple[int, object]] = []
    for start, piece in pieces:
        for index, level, label, x, y, state in piece.bookmarks:
            while stack and stack[-1][0] >= level:
                stack.pop()
            item = writer.add_outline_item(
                title=label,
                page_number=start + index,
                parent=stack[-1][1] if stack else None,
                fit=Fit.xyz(left=x, top=y),
                is_open=state == "open",
            )
            stack.append((level, item))

    info = {"/Producer": "WeasyPrint + pypdf"}
    if metadata.title:
        info["/Title"] = metadata.title
    writer.add_metadata(info)
    if metadata.lang:
        writer.root_object[NameObject("/Lang")] = TextStringObject(metadata.lang)
    if pieces and pieces[0][1].bookmarks:
        writer.page_mode = "/UseOutlines"
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
