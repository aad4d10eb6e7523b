"""Small SVG charts for the monthly report: plain Python, no JavaScript, no plotting library.

Each function returns SVG markup that WeasyPrint draws as vectors and a browser shows as
is. Labels are escaped; numbers are laid out on a "nice" scale (1, 2, 2.5 or 5 x 10^n).
Text uses the document's font (Sarabun), so Thai labels shape as in the body text.
"""

import math
from html import escape

FONT = 'font-family="Sarabun, sans-serif"'
BAR = "#2f6f9f"
BAR_2 = "#c9d6e3"
REFERENCE = "#c0392b"
GRID = "#d9d9d9"
INK = "#222"
MUTED = "#555"


def _nice_max(value: float, ticks: int = 5) -> tuple[float, float]:
    """(axis maximum, tick step) covering ``value`` with about ``ticks`` round steps."""
    if value <= 0:
        return 1.0, 0.2
    raw = value / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step - 1e-9), step


def number_label(value: float, unit: str = "") -> str:
    """A figure as an axis or bar label: ``12.5%``, ``1,250``, ``2.4 ล้าน``."""
    if unit == "%":
        return f"{value:,.1f}%"
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.2f} ล้าน".replace(".00 ", " ")
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def tick_label(value: float, axis_max: float, unit: str = "") -> str:
    """An axis tick: in millions throughout when the axis reaches a million."""
    if unit != "%" and axis_max >= 1_000_000:
        return f"{value / 1_000_000:,.2f}".rstrip("0").rstrip(".") + " ล้าน" if value else "0"
    return number_label(value, unit)


def _text(x, y, label, *, anchor="start", size=11, fill=INK, weight=None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{fill}"{bold} {FONT}>{escape(str(label))}</text>'
    )


def _svg(width, height, body, title) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height:.0f}" viewBox="0 0 {width} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def _legend(items, x, y) -> list[str]:
    """Coloured keys in one row from (x, y): items are (colour, label, dashed)."""
    out = []
    for colour, label, dashed in items:
        if dashed:
            out.append(
                f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{colour}" '
                'stroke-width="2" stroke-dasharray="4 3"/>'
            )
        else:
            out.append(f'<rect x="{x}" y="{y - 10}" width="18" height="10" fill="{colour}"/>')
        out.append(_text(x + 24, y, label, size=11))
        x += 24 + 9 * len(label) + 24
    return out


def hbar_chart(
    rows,
    *,
    title: str,
    unit: str = "%",
    max_value: float | None = None,
    reference: tuple[float, str] | None = None,
    width: int = 640,
) -> str:
    """Horizontal bars, one per (label, value), with an optional dashed reference line (a
    target or the province's figure) labelled ``reference[1]``. ``None`` values draw no bar."""
    rows = list(rows)
    label_w, right, top, bar_h, gap = 150, 56, 34, 14, 6
    plot_w = width - label_w - right
    values = [v for _l, v in rows if v is not None]
    top_value = max([*values, reference[0] if reference else 0, 0])
    axis_max, step = (max_value, max_value / 5) if max_value else _nice_max(top_value)
    height = top + len(rows) * (bar_h + gap) + 24
    scale = plot_w / axis_max if axis_max else 0
    body = []
    ticks = round(axis_max / step)
    for i in range(ticks + 1):
        x = label_w + i * step * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{GRID}" stroke-width="0.7"/>'
        )
        body.append(
            _text(x, height - 6, tick_label(i * step, axis_max, unit), anchor="middle", size=10)
        )
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        body.append(_text(label_w - 6, y + bar_h - 3, label, anchor="end"))
        if value is None:
            body.append(_text(label_w + 4, y + bar_h - 3, "-", fill=MUTED))
            continue
        w = max(0.0, min(value, axis_max)) * scale
        body.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR}"/>')
        body.append(_text(label_w + w + 4, y + bar_h - 3, number_label(value, unit), size=10))
    legend = []
    if reference is not None:
        x = label_w + min(reference[0], axis_max) * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{REFERENCE}" stroke-width="1.6" stroke-dasharray="5 3"/>'
        )
        legend = [(REFERENCE, reference[1], True)]
    body += _legend(legend, label_w, 14)
    return _svg(width, height, body, title)


def trend_chart(
    points,
    *,
    title: str,
    unit: str = "",
    target: tuple[float, str] | None = None,
    line: bool = False,
    width: int = 640,
    height: int = 230,
) -> str:
    """Columns (or a line with markers) over time, one per (label, value), with an optional
    dashed horizontal target line labelled ``target[1]``."""
    points = list(points)
    left, right, top, bottom = 78, 16, 30, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v or 0 for _l, v in points]
    axis_max, step = _nice_max(max([*values, target[0] if target else 0, 0]))
    scale = plot_h / axis_max
    base = top + plot_h
    body = []
    for i in range(round(axis_max / step) + 1):
        y = base - i * step * scale
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="0.7"/>'
        )
        body.append(
            _text(left - 6, y + 4, tick_label(i * step, axis_max, unit), anchor="end", size=10)
        )
    slot = plot_w / max(len(points), 1)
    centres = [left + slot * (i + 0.5) for i in range(len(points))]
    if line and points:
        path = " ".join(
            f"{x:.1f},{base - v * scale:.1f}" for x, v in zip(centres, values, strict=True)
        )
        body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
        body += [
            f'<circle cx="{x:.1f}" cy="{base - v * scale:.1f}" r="3" fill="{BAR}"/>'
            for x, v in zip(centres, values, strict=True)
        ]
    else:
        bar_w = min(slot * 0.6, 44)
        body += [
            f'<rect x="{x - bar_w / 2:.1f}" y="{base - v * scale:.1f}" width="{bar_w:.1f}" '
            f'height="{v * scale:.1f}" fill="{BAR}"/>'
            for x, v in zip(centres, values, strict=True)
        ]
    for i, (x, (label, value)) in enumerate(zip(centres, points, strict=True)):
        body.append(_text(x, base + 16, label, anchor="middle", size=10))
        # Values over every column while they fit; with many months, only the latest.
        if value is not None and (len(points) <= 7 or i == len(points) - 1):
            y = base - (value or 0) * scale - 5
            body.append(_text(x, y, number_label(value, unit), anchor="middle", size=9))
    legend = []
    if target is not None:
        y = base - target[0] * scale
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{REFERENCE}" stroke-width="1.6" stroke-dasharray="5 3"/>'
        )
        legend = [(REFERENCE, target[1], True)]
    body.append(f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{INK}"/>')
    body += _legend(legend, left, 14)
    return _svg(width, height, body, title)


def grouped_bars(
    rows,
    *,
    title: str,
    series: tuple[str, str],
    unit: str = "",
    width: int = 640,
) -> str:
    """Pairs of horizontal bars per (label, value, target): the value dark, the target light
    (e.g. Thai-fabric sales against the target, by district)."""
    rows = list(rows)
    label_w, right, top, bar_h, gap = 150, 70, 34, 9, 7
    plot_w = width - label_w - right
    top_value = max([0, *(v or 0 for _l, v, _t in rows), *(t or 0 for _l, _v, t in rows)])
    axis_max, step = _nice_max(top_value)
    scale = plot_w / axis_max
    height = top + len(rows) * (2 * bar_h + gap) + 24
    body = []
    for i in range(round(axis_max / step) + 1):
        x = label_w + i * step * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{GRID}" stroke-width="0.7"/>'
        )
        body.append(
            _text(x, height - 6, tick_label(i * step, axis_max, unit), anchor="middle", size=10)
        )
    for i, (label, value, target) in enumerate(rows):
        y = top + i * (2 * bar_h + gap)
        body.append(_text(label_w - 6, y + bar_h + 4, label, anchor="end"))
        for j, (amount, colour) in enumerate(((value, BAR), (target, BAR_2))):
            w = (amount or 0) * scale
            yy = y + j * bar_h
            body.append(
                f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="{bar_h - 1}" '
                f'fill="{colour}"/>'
            )
            if j == 0 and target:
                pct = f"{(value or 0) * 100 / target:,.1f}%"
                body.append(_text(label_w + max(w, target * scale) + 4, yy + 8, pct, size=9))
    body += _legend([(BAR, series[0], False), (BAR_2, series[1], False)], label_w, 14)
    return _svg(width, height, body, title)
