"""Exact text in WeasyPrint PDFs for Thai: one ToUnicode entry per (glyph, text) pair.

Why: a PDF maps *character codes* to Unicode (the font's ToUnicode CMap), and WeasyPrint 70
uses the glyph id as the code and records, for each glyph, the text of the first cluster it
was drawn in. Sarabun draws sara am (ำ) as two glyphs, nikhahit + sara aa, so the sara aa
glyph is shared: whichever of "า" and "ำ" comes first wins, and the other reads back wrong
("ดาเนินงาน", or every า turned into ำ). In น้ำ the tone mark and ำ form one cluster drawn as
a nikhahit+tone ligature plus sara aa, which loses the tone mark or the vowel.

The fix has two parts. Which glyph carries which text: as WeasyPrint decides (a cluster's
text on one of its glyphs, "" on the others), except that the text of a glyph with no
advance (a mark: ั ่ ้ ํ) moves onto the spacing glyph before it, so the text sits where the
letters are and pdftotext does not split "ฝั่ง" at a tone mark drawn to the left. And how it
is written: when a glyph is drawn with a text different from the one already recorded for
it, it gets a new character code with its own ToUnicode entry, which the font's Encoding
CMap maps back to the same glyph (CID = glyph id: WeasyPrint embeds fonts with CIDToGIDMap
Identity). The glyphs on the page, and their positions, are the same; only the codes, and so
the text, differ. This is plain PDF (a CMap may map several codes to one CID; WeasyPrint
already writes such a CMap for missing glyphs), and the font file is not touched. Spare
codes are taken from 0xFFFF downwards, away from the ids WeasyPrint gives missing glyphs
(just above the glyph count).

How, given WeasyPrint 70's internals (checked by ``reports/tests/test_pdf.py``):

- ``weasyprint.draw.text.draw_first_line`` is wrapped. Right after it gets its Pango line,
  the glyph ids in that line are replaced by the chosen codes (their text and width are
  registered first, so WeasyPrint's own mapping code leaves them alone), the original draws,
  and the glyph ids are put back, so Pango's layout is unchanged afterwards.
- ``weasyprint.pdf.fonts._build_vector_font_dictionary`` is wrapped: for a font with extra
  codes, the extra codes are kept out of the widths array and the font gets an Encoding CMap
  (identity for real glyph ids, missing glyphs to .notdef, extra codes to their glyph).
- ``weasyprint.layout.page.remake_page`` is wrapped only to check ``render_pdf``'s deadline.

The wrappers only act inside ``exact_text()`` (``render_pdf`` enters it); any other use of
WeasyPrint in the process is unchanged. Bitmap and colour (emoji) fonts are left alone, as
WeasyPrint looks their glyph data up by the drawn id. Not covered: fonts WeasyPrint embeds
whole (``full_fonts``, PDF forms) get their text map from the font's cmap, so the extra codes
draw the right glyph but carry no text; ``render_pdf`` uses neither.
"""

import contextlib
import logging
import time
import weakref
from contextvars import ContextVar

import weasyprint
from weasyprint.draw import text as draw_text_module
from weasyprint.layout import page as layout_page_module
from weasyprint.pdf import fonts as pdf_fonts_module
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

logger = logging.getLogger(__name__)

# The WeasyPrint release these wrappers were written against and tested with.
WEASYPRINT_VERSION = "70.0"

_enabled: ContextVar[bool] = ContextVar("cdd_pdf_exact_text", default=False)
_deadline: ContextVar[float | None] = ContextVar("cdd_pdf_deadline", default=None)

_LAST_CODE = 0xFFFF  # PDF codes are 2 bytes (codespace <0000> <ffff>).
_CODE_MARGIN = 1024  # Codes kept free above the glyph count for WeasyPrint's missing glyphs.


class RenderTimeout(TimeoutError):
    """The render went past its ``timeout_s``."""


class _FontCodes:
    """Extra character codes of one WeasyPrint ``Font``: code -> glyph id, and back."""

    def __init__(self):
        self.glyph_of = {}
        self.code_of = {}
        self.next_code = _LAST_CODE


_codes: "weakref.WeakKeyDictionary[object, _FontCodes]" = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def exact_text(enabled: bool = True, *, timeout_s: float | None = None):
    """Within this block, WeasyPrint writes an exact text map (see module docstring) and,
    with ``timeout_s``, stops with ``RenderTimeout`` at the next page or line past it."""
    deadline = time.monotonic() + timeout_s if timeout_s is not None else None
    tokens = (_enabled.set(enabled), _deadline.set(deadline))
    try:
        yield
    finally:
        _deadline.reset(tokens[1])
        _enabled.reset(tokens[0])


def check_deadline():
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise RenderTimeout("PDF render took longer than its time limit")


def _glyph_width(stream, pango_font, font, font_size, glyph_id):
    """The glyph's width in the font dictionary, computed as ``draw_first_line`` does."""
    if glyph_id not in font.widths:
        pango.pango_font_get_glyph_extents(
            pango_font, glyph_id, stream.ink_rect, stream.logical_rect
        )
        font.widths[glyph_id] = round(stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
    return font.widths[glyph_id]


def _code_for(stream, pango_font, font, font_size, glyph_id, text):
    """The character code to draw ``glyph_id`` with so that it reads back as ``text``."""
    recorded = font.to_unicode.get(glyph_id)
    if recorded is None:
        font.to_unicode[glyph_id] = text
        return glyph_id
    if recorded == text:
        return glyph_id
    codes = _codes.get(font)
    if codes is None:
        codes = _codes[font] = _FontCodes()
    code = codes.code_of.get((glyph_id, text))
    if code is None:
        if codes.next_code < font.glyph_count + len(font.missing) + _CODE_MARGIN:
            logger.warning("No spare character codes in %s: text may read back wrong", font.family)
            return glyph_id
        code = codes.next_code
        codes.next_code -= 1
        codes.code_of[(glyph_id, text)] = code
        codes.glyph_of[code] = glyph_id
        font.to_unicode[code] = text
        font.widths[code] = _glyph_width(stream, pango_font, font, font_size, glyph_id)
    return code


def _glyph_texts(glyph_item, utf8_text):
    """``(glyph_info, glyph id, text)`` for the drawable glyphs of one Pango run.

    Each glyph first gets the text ``draw_first_line`` would give it: its cluster's text for
    one glyph of the cluster, "" for the others. Then, left to right, the text of glyphs with
    no advance (marks: ั ่ ้ ํ ...) moves onto the spacing glyph before them, so each base
    letter carries its whole syllable part (ฝั่). Marks are often drawn well left of the pen
    (a tone over ั on a tall letter), and text extractors place a glyph's text where the
    glyph is drawn: left on the mark, pdftotext breaks the word there ("ฝั่ ง"). The run's
    text, glyph after glyph, is unchanged.
    """
    glyph_string = glyph_item.glyphs
    num_glyphs = glyph_string.num_glyphs
    clusters = glyph_string.log_clusters
    offset = glyph_item.item.offset
    length = glyph_item.item.length
    rtl = glyph_item.item.analysis.level % 2
    glyphs = []
    carrier = None  # Index in ``glyphs`` of the spacing glyph marks attach to.
    for i in range(num_glyphs):
        glyph_info = glyph_string.glyphs[i]
        glyph_id = glyph_info.glyph
        if glyph_id == pango.PANGO_GLYPH_EMPTY or glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG:
            carrier = None  # WeasyPrint draws these without text; never attach across.
            continue
        start = clusters[i]
        if rtl:
            end = length if i == 0 else clusters[i - 1]
        else:
            end = length if i == num_glyphs - 1 else clusters[i + 1]
        text = utf8_text[offset + start : offset + end].decode(errors="replace")
        if rtl:
            glyphs.append([glyph_info, glyph_id, text])
        elif carrier is not None and (glyph_info.geometry.width == 0 or not text):
            # A mark, or a glyph without text of its own.
            glyphs[carrier][2] += text
            glyphs.append([glyph_info, glyph_id, ""])
        else:
            carrier = len(glyphs)
            glyphs.append([glyph_info, glyph_id, text])
    return glyphs


def _assign_codes(stream, layout, line, changed):
    """Give every glyph of ``line`` its code; record ``(glyph_info, glyph id)`` to restore."""
    utf8_text = layout.text.encode()
    run = line.runs[0]
    previous_pango_font = None
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        if pango_font != previous_pango_font:
            previous_pango_font = pango_font
            font, font_size = stream.add_font(pango_font)
        if font.bitmap or font.png or font.svg or font.colr:
            continue
        # Same font size as draw_first_line (workaround for Pango issue #530).
        if pango.pango_version() < 14802:
            font_size = layout.style["font_size"]
        codes = _codes.get(font)
        for glyph_info, glyph_id, text in _glyph_texts(glyph_item, utf8_text):
            if codes is not None and glyph_id in codes.glyph_of:
                # The same line handed out twice without a new layout: already ours.
                glyph_id = codes.glyph_of[glyph_id]
            code = _code_for(stream, pango_font, font, font_size, glyph_id, text)
            if code != glyph_id:
                changed.append((glyph_info, glyph_id))
                glyph_info.glyph = code


def _draw_first_line(stream, textbox, *args, **kwargs):
    check_deadline()
    if not _enabled.get():
        return _original_draw_first_line(stream, textbox, *args, **kwargs)
    layout = textbox.pango_layout
    get_first_line = layout.get_first_line
    changed = []

    def get_first_line_with_codes():
        # draw_first_line may set new text (ellipsis) and ask again; the previous line is
        # then freed by Pango, so only the last line is restored.
        changed.clear()
        line, index = get_first_line()
        _assign_codes(stream, layout, line, changed)
        return line, index

    layout.get_first_line = get_first_line_with_codes
    try:
        return _original_draw_first_line(stream, textbox, *args, **kwargs)
    finally:
        del layout.get_first_line
        for glyph_info, glyph_id in changed:
            glyph_info.glyph = glyph_id


def _build_vector_font_dictionary(font_dictionary, pdf, font, widths, compress, *args):
    codes = _codes.get(font)
    if not codes or not codes.glyph_of:
        return _original_build_vector_font_dictionary(
            font_dictionary, pdf, font, widths, compress, *args
        )
    # Widths are per CID; extra codes share their glyph's CID and width.
    widths = {code: width for code, width in widths.items() if code not in codes.glyph_of}
    saved = font.widths, font.missing
    font.widths = {code: w for code, w in font.widths.items() if code not in codes.glyph_of}
    font.missing = {}  # This module writes the one Encoding CMap, missing glyphs included.
    try:
        _original_build_vector_font_dictionary(font_dictionary, pdf, font, widths, compress, *args)
    finally:
        font.widths, font.missing = saved
    font_dictionary["Encoding"] = _encoding_cmap(pdf, font, codes, compress)


def _encoding_cmap(pdf, font, codes, compress):
    """Encoding CMap: real glyph ids to themselves, missing glyphs to .notdef, extra codes
    to the glyph they draw."""
    import pydyf

    name = f"CDD-{font.hash}-H"
    system_info = pydyf.Dictionary(
        {
            "Registry": pydyf.String("Adobe"),
            "Ordering": pydyf.String("Identity"),
            "Supplement": 0,
        }
    )
    chars = [(code, 0) for code in sorted(font.missing.values())]
    chars += sorted(codes.glyph_of.items())
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo 3 dict dup begin /Registry (Adobe) def /Ordering (Identity) def"
        b" /Supplement 0 def end def",
        f"/CMapName /{name} def".encode(),
        b"/CMapType 1 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
        b"1 begincidrange",
        f"<0000> <{font.glyph_count - 1:04x}> 0".encode(),
        b"endcidrange",
    ]
    for start in range(0, len(chars), 100):
        batch = chars[start : start + 100]
        lines.append(f"{len(batch)} begincidchar".encode())
        lines.extend(f"<{code:04x}> {cid}".encode() for code, cid in batch)
        lines.append(b"endcidchar")
    lines += [
        b"endcmap",
        b"CMapName currentdict /CMap defineresource pop",
        b"end",
        b"end",
    ]
    extra = pydyf.Dictionary(
        {"Type": "/CMap", "CMapName": f"/{name}", "CIDSystemInfo": system_info}
    )
    stream = pydyf.Stream(lines, extra, compress=compress)
    pdf.add_object(stream)
    return stream.reference


def _remake_page(*args, **kwargs):
    check_deadline()
    return _original_remake_page(*args, **kwargs)


def _install():
    """Wrap WeasyPrint once per process; refuse (and say so) on an untested release."""
    global _original_draw_first_line, _original_build_vector_font_dictionary
    global _original_remake_page
    if getattr(draw_text_module.draw_first_line, "_cdd_exact_text", False):
        return True
    if weasyprint.__version__ != WEASYPRINT_VERSION:
        logger.error(
            "WeasyPrint %s is not %s: Thai text in PDFs is left to WeasyPrint and may read "
            "back wrong; check reports/pdf/textmap.py against the new release",
            weasyprint.__version__,
            WEASYPRINT_VERSION,
        )
        return False
    _original_draw_first_line = draw_text_module.draw_first_line
    _original_build_vector_font_dictionary = pdf_fonts_module._build_vector_font_dictionary
    _original_remake_page = layout_page_module.remake_page
    for wrapper in (_draw_first_line, _build_vector_font_dictionary, _remake_page):
        wrapper._cdd_exact_text = True
    draw_text_module.draw_first_line = _draw_first_line
    pdf_fonts_module._build_vector_font_dictionary = _build_vector_font_dictionary
    layout_page_module.remake_page = _remake_page
    return True


INSTALLED = _install()
