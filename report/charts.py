"""Horizontal bar charts as inline SVG: no script, no external asset, printable.

The SVG inherits the page's Thai font stack; every bar carries its number as text, so the chart
still reads in black and white and to a screen reader (each chart has a title and a label).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LABEL_WIDTH = 230  # px for the row labels (Thai province, dimension or reason names)
BAR_AREA = 420
VALUE_WIDTH = 240
ROW_HEIGHT = 22
BAR_HEIGHT = 14
LEGEND_HEIGHT = 26
LABEL_CHARS = 34


@dataclass(frozen=True)
class Series:
    name: str  # legend text (Thai / English)
    colour: str


@dataclass(frozen=True)
class Row:
    label: str
    values: Sequence[float]  # one per series
    note: str | None = None  # the text after the bar (default: the total and each value)


def chunks(rows: Sequence[Row], size: int = 40) -> list[Sequence[Row]]:
    """Rows in groups that fit a printed page each (77 provinces make two charts)."""
    return [rows[start : start + size] for start in range(0, len(rows), size)] or [rows]


def stacked_bars(
    title: str, series: Sequence[Series], rows: Sequence[Row], *, scale: float | None = None
) -> str:
    """One bar per row, its series stacked (e.g. accepted + rejected rows per province);
    `scale`: the total a full bar stands for (charts split in chunks share it)."""
    largest = scale or max((sum(row.values) for row in rows), default=0) or 1
    parts: list[str] = []
    for index, row in enumerate(rows):
        y = LEGEND_HEIGHT + index * ROW_HEIGHT
        parts.append(_label(row.label, y))
        x = float(LABEL_WIDTH)
        for value, one in zip(row.values, series, strict=True):
            width = BAR_AREA * value / largest
            if width > 0:
                parts.append(_bar(x, y, width, one, value))
            x += width
        detail = " / ".join(_number(value) for value in row.values)
        note = row.note if row.note is not None else f"{_number(sum(row.values))} ({detail})"
        parts.append(_value_text(x + 6, y, note))
    return _svg(title, series, parts, len(rows))


def grouped_bars(
    title: str, series: Sequence[Series], rows: Sequence[Row], *, percent: bool = False
) -> str:
    """Each row's series side by side, thinner bars (e.g. coverage by the agency and by all)."""
    largest = 100.0 if percent else max((max(row.values, default=0) for row in rows), default=0)
    largest = largest or 1
    height = max(BAR_HEIGHT // max(len(series), 1), 5)
    parts: list[str] = []
    for index, row in enumerate(rows):
        y = LEGEND_HEIGHT + index * ROW_HEIGHT
        parts.append(_label(row.label, y))
        for position, (value, one) in enumerate(zip(row.values, series, strict=True)):
            width = BAR_AREA * value / largest
            bar_y = y + 2 + position * height
            text = f"{value:.0f}%" if percent else _number(value)
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y:.1f}" width="{width:.1f}" height="{height - 1}"'
                f' fill="{one.colour}"><title>{escape(one.name)}: {escape(text)}</title></rect>'
                f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{bar_y + height - 2:.1f}"'
                f' font-size="9">{escape(text)}</text>'
            )
    return _svg(title, series, parts, len(rows))


def _svg(title: str, series: Sequence[Series], parts: list[str], n_rows: int) -> str:
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    height = LEGEND_HEIGHT + max(n_rows, 1) * ROW_HEIGHT + 4
    legend, x = [], float(LABEL_WIDTH)
    for one in series:
        legend.append(
            f'<rect x="{x:.0f}" y="6" width="12" height="12" fill="{one.colour}"/>'
            f'<text x="{x + 16:.0f}" y="16" font-size="11">{escape(one.name)}</text>'
        )
        x += 24 + 6.5 * len(one.name)
    if n_rows == 0:
        parts = [_value_text(LABEL_WIDTH, LEGEND_HEIGHT, "ไม่มีข้อมูล / no data")]
    return (
        # inline SVG in HTML needs no namespace: the page names no network address at all
        f'<svg class="chart" role="img"'
        f' aria-label="{escape(title)}" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{''.join(legend)}{''.join(parts)}</svg>"
    )


def _label(label: str, y: float) -> str:
    shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
    return (
        f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 2}" text-anchor="end" font-size="11">'
        f"<title>{escape(label)}</title>{escape(shown)}</text>"
    )


def _bar(x: float, y: float, width: float, series: Series, value: float) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y + 2}" width="{width:.1f}" height="{BAR_HEIGHT}"'
        f' fill="{series.colour}"><title>{escape(series.name)}: {_number(value)}</title></rect>'
    )


def _value_text(x: float, y: float, text: str) -> str:
    return f'<text x="{x:.1f}" y="{y + BAR_HEIGHT - 2}" font-size="10">{escape(text)}</text>'


def _number(value: float) -> str:
    return f"{value:,.0f}"
