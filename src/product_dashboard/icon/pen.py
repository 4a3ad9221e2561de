"""Drawing in unit coordinates on a mask: 255 paints the glyph, `cut=True` carves it back out."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import ImageDraw

Point = tuple[float, float]


def arc_points(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, steps: int = 24
) -> list[Point]:
    """Points along an elliptical arc, angles in degrees (0 = east, clockwise as y grows down)."""
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def mirror(points: Sequence[Point]) -> list[Point]:
    """The left half of a symmetric outline completed with its mirror image, right to left."""
    return [*points, *[(1.0 - x, y) for x, y in reversed(points)]]


class Pen:
    """Maps the unit square onto a box of the mask (`left`, `top`, `size` in pixels)."""

    def __init__(self, draw: ImageDraw.ImageDraw, left: float, top: float, size: float) -> None:
        self.draw = draw
        self.left = left
        self.top = top
        self.size = size

    def _p(self, x: float, y: float) -> Point:
        return (self.left + x * self.size, self.top + y * self.size)

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[Point, Point]:
        return (self._p(x0, y0), self._p(x1, y1))

    @staticmethod
    def _fill(cut: bool) -> int:
        return 0 if cut else 255

    def poly(self, points: Sequence[Point], *, cut: bool = False) -> None:
        self.draw.polygon([self._p(x, y) for x, y in points], fill=self._fill(cut))

    def ellipse(self, x0: float, y0: float, x1: float, y1: float, *, cut: bool = False) -> None:
        self.draw.ellipse(self._box(x0, y0, x1, y1), fill=self._fill(cut))

    def circle(self, cx: float, cy: float, r: float, *, cut: bool = False) -> None:
        self.ellipse(cx - r, cy - r, cx + r, cy + r, cut=cut)

    def rrect(
        self, x0: float, y0: float, x1: float, y1: float, r: float, *, cut: bool = False
    ) -> None:
        self.draw.rounded_rectangle(
            self._box(x0, y0, x1, y1), radius=r * self.size, fill=self._fill(cut)
        )

    def rect(self, x0: float, y0: float, x1: float, y1: float, *, cut: bool = False) -> None:
        self.draw.rectangle(self._box(x0, y0, x1, y1), fill=self._fill(cut))

    def line(self, points: Sequence[Point], width: float, *, cut: bool = False) -> None:
        """A stroke with round joints and caps."""
        pixels = [self._p(x, y) for x, y in points]
        w = max(1, round(width * self.size))
        self.draw.line(pixels, fill=self._fill(cut), width=w, joint="curve")
        for x, y in (pixels[0], pixels[-1]):
            r = w / 2
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill=self._fill(cut))

    def arc(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        start: float,
        end: float,
        width: float,
        *,
        cut: bool = False,
    ) -> None:
        self.line(arc_points(cx, cy, rx, ry, start, end, 48), width, cut=cut)

    def pie(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        start: float,
        end: float,
        *,
        cut: bool = False,
    ) -> None:
        self.draw.pieslice(self._box(x0, y0, x1, y1), start, end, fill=self._fill(cut))

    def wave(
        self, x: float, y0: float, y1: float, amplitude: float, width: float, *, cut: bool = False
    ) -> None:
        """A vertical wavy stroke (steam, flames, stitching)."""
        steps = 24
        points = [
            (x + amplitude * math.sin(2 * math.pi * i / steps), y0 + (y1 - y0) * i / steps)
            for i in range(steps + 1)
        ]
        self.line(points, width, cut=cut)
