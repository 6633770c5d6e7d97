"""Small SVG charts drawn on the server: no chart library to ship, and they print and screenshot as is."""

from __future__ import annotations

from markupsafe import Markup, escape

_FONT = 'font-family="inherit" font-size="12"'


def bar_chart(items: list[tuple[str, float]], width: int = 520, bar: int = 22) -> Markup:
    """Horizontal bars, one per (label, value), longest first as given."""
    if not items:
        return Markup("")
    top = max(v for _, v in items) or 1
    label_w = 130
    height = bar * len(items) + 8
    parts = [f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for row, (label, value) in enumerate(items):
        y = 4 + row * bar
        w = max(1.0, (width - label_w - 50) * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar * 0.65:.0f}" text-anchor="end" {_FONT}>{escape(label)}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar - 6}" class="bar"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar * 0.65:.0f}" {_FONT}>{value:g}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: list[tuple[str, float]], low: float = -1.0, high: float = 1.0, width: int = 520, height: int = 180
) -> Markup:
    """A line over (label, value) points with a zero line; labels under the first and last point."""
    if not points:
        return Markup("")
    left, right, top, bottom = 40, 12, 10, 28
    inner_w, inner_h = width - left - right, height - top - bottom

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (inner_w * i / (len(points) - 1) if len(points) > 1 else inner_w / 2)
        y = top + inner_h * (high - max(low, min(high, v))) / (high - low)
        return x, y

    zero_y = xy(0, 0.0)[1]
    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    parts = [
        f'<svg class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<line x1="{left}" x2="{width - right}" y1="{zero_y:.1f}" y2="{zero_y:.1f}" class="axis"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" {_FONT}>{high:g}</text>',
        f'<text x="{left - 6}" y="{top + inner_h}" text-anchor="end" {_FONT}>{low:g}</text>',
        f'<polyline points="{path}" class="line"/>',
    ]
    for (x, y), (label, value) in zip(coords, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" class="dot">'
            f"<title>{escape(label)}: {value:+.2f}</title></circle>"
        )
    for i in {0, len(points) - 1}:
        x = coords[i][0]
        parts.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" {_FONT}>{escape(points[i][0])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
