"""Charts of the overview, drawn on the server as SVG (no script, no colour needed).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` naming what it
shows; every bar and point carries its figure as text, and bars are hatched and outlined,
so the chart reads in greyscale, in print and with forced colours. A hidden figure ("< 5"
or "—") gets no bar, only its text. The same figures stand as a table beside the chart.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)

PATTERN = (
    '<defs><pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse"'
    ' patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="3"/>'
    "</pattern></defs>"
)


def _open(width: int, height: int, title: str, desc: str, testid: str) -> tuple[str, str]:
    n = next(_ids)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="nazorg-chart" role="img"'
        f' width="100%" viewBox="0 0 {width} {height}" data-testid="{escape(testid)}"'
        f' aria-labelledby="chart-title-{n} chart-desc-{n}">'
        f'<title id="chart-title-{n}">{escape(title)}</title>'
        f'<desc id="chart-desc-{n}">{escape(desc)}</desc>'
    )
    return head + PATTERN.format(id=f"hatch-{n}"), f"hatch-{n}"


def bar_chart(title: str, desc: str, items: list[tuple[str, object]], testid: str) -> Markup:
    """Horizontal bars, one per label; ``items``: (label, figure) where a figure has
    ``value`` and ``hidden`` (``overview.Shown``)."""
    label_width, bar_width, row_height = 150, 300, 28
    height = row_height * len(items) + 10
    svg, pattern = _open(label_width + bar_width + 80, height, title, desc, testid)
    largest = max([f.value for _label, f in items if not f.hidden] + [1])
    parts = [svg]
    for index, (label, figure) in enumerate(items):
        y = 5 + index * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end"'
            f' font-size="14">{escape(label)}</text>'
        )
        width = 0 if figure.hidden else round(bar_width * figure.value / largest)
        if width:
            parts.append(
                f'<rect x="{label_width}" y="{y + 4}" width="{width}" height="18"'
                f' fill="url(#{pattern})" stroke="currentColor" stroke-width="1.5"/>'
            )
        parts.append(
            f'<text x="{label_width + width + 6}" y="{y + 18}" font-size="14"'
            f' font-weight="bold">{escape(str(figure))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def trend_chart(
    title: str, desc: str, points: list[tuple[date, str, object]], testid: str
) -> Markup:
    """One column per month, left to right; ``points``: (month, its short label, figure)."""
    left, top, plot_height, step = 10, 24, 160, 46
    width = left * 2 + step * len(points)
    svg, pattern = _open(width, top + plot_height + 40, title, desc, testid)
    largest = max([f.value for _m, _l, f in points if not f.hidden] + [1])
    parts = [svg]
    base = top + plot_height
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - left}" y2="{base}"'
        ' stroke="currentColor" stroke-width="1"/>'
    )
    for index, (_month, label, figure) in enumerate(points):
        x = left + index * step
        height = 0 if figure.hidden else round(plot_height * figure.value / largest)
        if height:
            parts.append(
                f'<rect x="{x + 8}" y="{base - height}" width="{step - 16}" height="{height}"'
                f' fill="url(#{pattern})" stroke="currentColor" stroke-width="1.5"/>'
            )
        parts.append(
            f'<text x="{x + step / 2}" y="{base - height - 6}" text-anchor="middle"'
            f' font-size="13" font-weight="bold">{escape(str(figure))}</text>'
        )
        parts.append(
            f'<text x="{x + step / 2}" y="{base + 18}" text-anchor="middle"'
            f' font-size="12">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
