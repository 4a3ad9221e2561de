"""Simple vector glyphs for common product types, drawn with Pillow primitives in a unit box.

Each glyph paints a silhouette and carves details out of it (`cut=True`), so it reads as one
clean shape at 128 px and still shows its details at 512 px.
"""

from __future__ import annotations

from collections.abc import Callable

from product_dashboard.icon.pen import Pen, arc_points, mirror

Glyph = Callable[[Pen], None]
LINE = 0.035  # width of carved detail lines


def _tee_body(p: Pen, sleeve_end: float) -> None:
    """Shoulders, sleeves and body of a top; `sleeve_end` is how far down the sleeves reach."""
    long_sleeves = sleeve_end > 0.6
    half = [
        (0.36, 0.10),
        (0.16, 0.18),
        (0.02, 0.36) if not long_sleeves else (0.06, 0.30),
        (0.12, 0.50) if not long_sleeves else (0.02, sleeve_end),
        (0.24, 0.44) if not long_sleeves else (0.14, sleeve_end + 0.02),
        (0.24, 0.44) if not long_sleeves else (0.22, 0.40),
        (0.24, 0.93),
    ]
    p.poly(mirror(half))


def shirt(p: Pen) -> None:
    _tee_body(p, 0.5)
    p.poly(arc_points(0.5, 0.10, 0.14, 0.12, 0, 180), cut=True)
    p.line([(0.3, 0.80), (0.7, 0.80)], LINE * 0.6, cut=True)


def hoodie(p: Pen) -> None:
    _tee_body(p, 0.86)
    p.ellipse(0.30, 0.02, 0.70, 0.36)
    p.ellipse(0.38, 0.10, 0.62, 0.32, cut=True)
    p.line([(0.46, 0.30), (0.45, 0.46)], LINE * 0.7, cut=True)
    p.line([(0.54, 0.30), (0.55, 0.46)], LINE * 0.7, cut=True)
    p.poly([(0.34, 0.62), (0.66, 0.62), (0.72, 0.80), (0.28, 0.80)], cut=True)
    p.poly([(0.38, 0.66), (0.62, 0.66), (0.66, 0.76), (0.34, 0.76)])


def jacket(p: Pen) -> None:
    _tee_body(p, 0.86)
    p.poly([(0.40, 0.08), (0.50, 0.34), (0.60, 0.08)], cut=True)
    p.line([(0.50, 0.34), (0.50, 0.93)], LINE * 0.7, cut=True)
    p.line([(0.40, 0.10), (0.33, 0.30), (0.47, 0.38)], LINE * 0.6, cut=True)
    p.line([(0.60, 0.10), (0.67, 0.30), (0.53, 0.38)], LINE * 0.6, cut=True)
    for y in (0.58, 0.72):
        p.line([(0.30, y), (0.40, y)], LINE * 0.6, cut=True)
        p.line([(0.60, y), (0.70, y)], LINE * 0.6, cut=True)


def pants(p: Pen) -> None:
    p.poly(
        [
            (0.22, 0.06),
            (0.78, 0.06),
            (0.84, 0.95),
            (0.58, 0.95),
            (0.50, 0.36),
            (0.42, 0.95),
            (0.16, 0.95),
        ]
    )
    p.line([(0.22, 0.16), (0.78, 0.16)], LINE * 0.6, cut=True)
    p.line([(0.50, 0.16), (0.50, 0.34)], LINE * 0.6, cut=True)
    p.arc(0.28, 0.17, 0.12, 0.10, 0, 90, LINE * 0.5, cut=True)
    p.arc(0.72, 0.17, 0.12, 0.10, 90, 180, LINE * 0.5, cut=True)


def dress(p: Pen) -> None:
    p.poly(
        [
            (0.36, 0.04),
            (0.42, 0.04),
            (0.46, 0.18),
            (0.54, 0.18),
            (0.58, 0.04),
            (0.64, 0.04),
            (0.68, 0.30),
            (0.62, 0.42),
            (0.90, 0.94),
            (0.10, 0.94),
            (0.38, 0.42),
            (0.32, 0.30),
        ]
    )
    p.line([(0.36, 0.42), (0.64, 0.42)], LINE * 0.7, cut=True)


def shoe(p: Pen) -> None:
    p.poly(
        [
            (0.06, 0.74),
            (0.08, 0.40),
            (0.20, 0.34),
            (0.34, 0.38),
            (0.44, 0.52),
            (0.66, 0.56),
            (0.88, 0.60),
            (0.96, 0.70),
            (0.96, 0.76),
        ]
    )
    p.rrect(0.03, 0.72, 0.97, 0.86, 0.06)
    p.line([(0.05, 0.72), (0.95, 0.72)], LINE * 0.6, cut=True)
    for x in (0.40, 0.48, 0.56):
        p.line([(x, 0.50), (x + 0.05, 0.60)], LINE * 0.55, cut=True)
    p.ellipse(0.10, 0.36, 0.26, 0.46, cut=True)


def sock(p: Pen) -> None:
    p.poly(
        [
            (0.30, 0.04),
            (0.64, 0.04),
            (0.64, 0.56),
            (0.40, 0.88),
            (0.30, 0.92),
            (0.16, 0.88),
            (0.10, 0.76),
            (0.16, 0.64),
            (0.30, 0.50),
        ]
    )
    p.circle(0.24, 0.80, 0.13)
    p.rrect(0.26, 0.02, 0.68, 0.20, 0.03)
    for x in (0.36, 0.47, 0.58):
        p.line([(x, 0.05), (x, 0.17)], LINE * 0.45, cut=True)
    p.line([(0.26, 0.22), (0.68, 0.22)], LINE * 0.5, cut=True)


def hat(p: Pen) -> None:
    p.ellipse(0.02, 0.56, 0.98, 0.80)
    p.poly(
        [
            (0.26, 0.66),
            (0.30, 0.24),
            (0.42, 0.18),
            (0.50, 0.24),
            (0.58, 0.18),
            (0.70, 0.24),
            (0.74, 0.66),
        ]
    )
    p.rect(0.27, 0.52, 0.73, 0.58, cut=True)


def beanie(p: Pen) -> None:
    p.pie(0.12, 0.18, 0.88, 0.98, 180, 360)
    p.rrect(0.08, 0.56, 0.92, 0.84, 0.06)
    p.circle(0.5, 0.14, 0.10)
    for x in (0.22, 0.36, 0.50, 0.64, 0.78):
        p.line([(x, 0.62), (x, 0.78)], LINE * 0.5, cut=True)


def mug(p: Pen) -> None:
    p.ellipse(0.54, 0.40, 0.92, 0.78)
    p.ellipse(0.63, 0.49, 0.83, 0.69, cut=True)
    p.rrect(0.12, 0.30, 0.70, 0.92, 0.07)
    for x in (0.28, 0.42, 0.56):
        p.wave(x, 0.04, 0.22, 0.025, LINE * 0.8)


def teacup(p: Pen) -> None:
    p.ellipse(0.60, 0.36, 0.92, 0.62)
    p.ellipse(0.68, 0.43, 0.85, 0.56, cut=True)
    p.pie(0.10, 0.02, 0.78, 0.82, 0, 180)
    p.rrect(0.04, 0.80, 0.96, 0.90, 0.05)
    p.line([(0.10, 0.43), (0.78, 0.43)], LINE * 0.6, cut=True)
    p.wave(0.36, 0.04, 0.30, 0.03, LINE * 0.8)
    p.wave(0.52, 0.08, 0.30, 0.03, LINE * 0.8)


def coffee(p: Pen) -> None:
    p.ellipse(0.16, 0.06, 0.84, 0.94)
    points = [
        (0.50 + 0.09 * ((y - 0.5) * 4) ** 2 * (1 if y < 0.5 else -1), y)
        for y in (0.14 + 0.72 * i / 24 for i in range(25))
    ]
    p.line(points, LINE * 1.3, cut=True)


def bottle(p: Pen) -> None:
    p.rrect(0.38, 0.02, 0.62, 0.14, 0.03)
    p.rect(0.41, 0.14, 0.59, 0.22)
    p.poly([(0.41, 0.20), (0.59, 0.20), (0.72, 0.32), (0.28, 0.32)])
    p.rrect(0.28, 0.28, 0.72, 0.96, 0.08)
    p.rect(0.28, 0.50, 0.72, 0.53, cut=True)
    p.rect(0.28, 0.74, 0.72, 0.77, cut=True)


def bag(p: Pen) -> None:
    p.arc(0.5, 0.34, 0.17, 0.22, 180, 360, LINE * 1.6)
    p.poly([(0.14, 0.34), (0.86, 0.34), (0.92, 0.94), (0.08, 0.94)])
    p.circle(0.33, 0.44, 0.03, cut=True)
    p.circle(0.67, 0.44, 0.03, cut=True)


def backpack(p: Pen) -> None:
    p.arc(0.5, 0.16, 0.12, 0.12, 180, 360, LINE * 1.4)
    p.rrect(0.16, 0.14, 0.84, 0.96, 0.16)
    p.rrect(0.28, 0.56, 0.72, 0.88, 0.06, cut=True)
    p.rrect(0.32, 0.60, 0.68, 0.84, 0.04)
    p.line([(0.32, 0.68), (0.68, 0.68)], LINE * 0.6, cut=True)
    p.arc(0.5, 0.40, 0.30, 0.12, 200, 340, LINE * 0.6, cut=True)


def wallet(p: Pen) -> None:
    p.rrect(0.06, 0.22, 0.94, 0.84, 0.08)
    p.rrect(0.56, 0.40, 0.98, 0.66, 0.06, cut=True)
    p.rrect(0.60, 0.44, 0.94, 0.62, 0.04)
    p.circle(0.70, 0.53, 0.035, cut=True)
    p.line([(0.10, 0.32), (0.54, 0.32)], LINE * 0.6, cut=True)


def book(p: Pen) -> None:
    p.rrect(0.16, 0.04, 0.84, 0.96, 0.05)
    p.line([(0.28, 0.04), (0.28, 0.96)], LINE * 0.7, cut=True)
    p.rrect(0.40, 0.20, 0.74, 0.34, 0.02, cut=True)
    p.poly([(0.62, 0.04), (0.74, 0.04), (0.74, 0.24), (0.68, 0.19), (0.62, 0.24)], cut=True)
    p.line([(0.40, 0.86), (0.84, 0.86)], LINE * 0.6, cut=True)


def candle(p: Pen) -> None:
    p.rrect(0.28, 0.40, 0.72, 0.96, 0.05)
    p.line([(0.5, 0.30), (0.5, 0.42)], LINE * 0.6)
    flame = [*arc_points(0.5, 0.22, 0.09, 0.10, 0, 180, 16), (0.5, 0.02)]
    p.poly(flame)
    p.ellipse(0.24, 0.36, 0.76, 0.46)
    p.ellipse(0.30, 0.38, 0.70, 0.44, cut=True)
    p.wave(0.36, 0.52, 0.66, 0.015, LINE * 0.6, cut=True)


def glasses(p: Pen) -> None:
    p.rrect(0.04, 0.36, 0.44, 0.70, 0.12)
    p.rrect(0.56, 0.36, 0.96, 0.70, 0.12)
    p.arc(0.5, 0.44, 0.08, 0.06, 180, 360, LINE * 1.2)
    p.line([(0.04, 0.42), (0.0, 0.34)], LINE * 1.2)
    p.line([(0.96, 0.42), (1.0, 0.34)], LINE * 1.2)
    p.arc(0.18, 0.50, 0.08, 0.08, 200, 260, LINE * 0.7, cut=True)
    p.arc(0.70, 0.50, 0.08, 0.08, 200, 260, LINE * 0.7, cut=True)


def gem(p: Pen) -> None:
    p.poly([(0.06, 0.34), (0.26, 0.12), (0.74, 0.12), (0.94, 0.34), (0.50, 0.92)])
    p.line([(0.06, 0.34), (0.94, 0.34)], LINE * 0.6, cut=True)
    p.line([(0.26, 0.13), (0.36, 0.34), (0.50, 0.90)], LINE * 0.5, cut=True)
    p.line([(0.74, 0.13), (0.64, 0.34), (0.50, 0.90)], LINE * 0.5, cut=True)
    p.line([(0.36, 0.34), (0.50, 0.13), (0.64, 0.34)], LINE * 0.5, cut=True)


def necklace(p: Pen) -> None:
    p.arc(0.5, 0.10, 0.40, 0.50, 10, 170, LINE * 0.9)
    p.poly([(0.50, 0.60), (0.64, 0.74), (0.50, 0.96), (0.36, 0.74)])
    p.circle(0.5, 0.60, 0.05)
    p.line([(0.36, 0.74), (0.64, 0.74)], LINE * 0.5, cut=True)


def watch(p: Pen) -> None:
    p.rrect(0.36, 0.02, 0.64, 0.98, 0.06)
    p.circle(0.5, 0.5, 0.32)
    p.rrect(0.80, 0.44, 0.88, 0.56, 0.02)
    p.circle(0.5, 0.5, 0.24, cut=True)
    p.line([(0.5, 0.5), (0.5, 0.34)], LINE * 0.9)
    p.line([(0.5, 0.5), (0.62, 0.56)], LINE * 0.9)


def headphones(p: Pen) -> None:
    p.arc(0.5, 0.56, 0.38, 0.44, 180, 360, LINE * 2)
    p.rrect(0.06, 0.52, 0.30, 0.92, 0.08)
    p.rrect(0.70, 0.52, 0.94, 0.92, 0.08)
    p.line([(0.14, 0.60), (0.14, 0.84)], LINE * 0.6, cut=True)
    p.line([(0.86, 0.60), (0.86, 0.84)], LINE * 0.6, cut=True)


def phone(p: Pen) -> None:
    p.rrect(0.24, 0.02, 0.76, 0.98, 0.09)
    p.rrect(0.29, 0.12, 0.71, 0.82, 0.02, cut=True)
    p.circle(0.5, 0.90, 0.04, cut=True)
    p.line([(0.44, 0.07), (0.56, 0.07)], LINE * 0.5, cut=True)


def plant(p: Pen) -> None:
    p.poly([(0.22, 0.58), (0.78, 0.58), (0.70, 0.96), (0.30, 0.96)])
    p.rrect(0.18, 0.54, 0.82, 0.64, 0.02)
    p.line([(0.5, 0.56), (0.5, 0.30)], LINE * 0.8)
    left = arc_points(0.30, 0.34, 0.22, 0.12, 0, 360, 32)
    p.poly([(0.5 - (0.5 - x) * 1.0, y - 0.04 * (x - 0.08)) for x, y in left])
    p.poly(arc_points(0.70, 0.22, 0.22, 0.12, 0, 360, 32))
    p.line([(0.14, 0.36), (0.46, 0.34)], LINE * 0.45, cut=True)
    p.line([(0.54, 0.22), (0.86, 0.20)], LINE * 0.45, cut=True)


def leaf(p: Pen) -> None:
    outline = [*arc_points(0.86, 0.86, 0.80, 0.80, 180, 270, 24)]
    outline += arc_points(0.14, 0.14, 0.80, 0.80, 0, 90, 24)
    p.poly(outline)
    p.line([(0.12, 0.88), (0.86, 0.14)], LINE * 0.7, cut=True)
    for t in (0.35, 0.5, 0.65):
        x, y = 0.12 + 0.74 * t, 0.88 - 0.74 * t
        p.line([(x, y), (x - 0.16, y - 0.10)], LINE * 0.45, cut=True)
        p.line([(x, y), (x + 0.10, y + 0.16)], LINE * 0.45, cut=True)


def mat(p: Pen) -> None:
    p.rrect(0.04, 0.62, 0.84, 0.84, 0.03)
    p.circle(0.70, 0.46, 0.26)
    p.circle(0.70, 0.46, 0.18, cut=True)
    p.circle(0.70, 0.46, 0.12)
    p.circle(0.70, 0.46, 0.05, cut=True)
    p.line([(0.10, 0.73), (0.44, 0.73)], LINE * 0.5, cut=True)


def blanket(p: Pen) -> None:
    p.rrect(0.06, 0.14, 0.94, 0.44, 0.08)
    p.rrect(0.06, 0.40, 0.94, 0.66, 0.06)
    p.rrect(0.06, 0.62, 0.94, 0.88, 0.06)
    p.line([(0.06, 0.42), (0.94, 0.42)], LINE * 0.6, cut=True)
    p.line([(0.06, 0.64), (0.94, 0.64)], LINE * 0.6, cut=True)
    for x in (0.2, 0.35, 0.5, 0.65, 0.8):
        p.line([(x, 0.88), (x, 0.96)], LINE * 0.5)


def lamp(p: Pen) -> None:
    p.poly([(0.30, 0.06), (0.70, 0.06), (0.86, 0.46), (0.14, 0.46)])
    p.rect(0.46, 0.46, 0.54, 0.86)
    p.rrect(0.24, 0.84, 0.76, 0.96, 0.04)


def gift(p: Pen) -> None:
    p.rect(0.12, 0.44, 0.88, 0.96)
    p.rrect(0.06, 0.30, 0.94, 0.46, 0.03)
    p.rect(0.45, 0.30, 0.55, 0.96, cut=True)
    p.line([(0.06, 0.46), (0.94, 0.46)], LINE * 0.6, cut=True)
    p.arc(0.36, 0.22, 0.14, 0.09, 0, 360, LINE * 1.2)
    p.arc(0.64, 0.22, 0.14, 0.09, 0, 360, LINE * 1.2)


def toy(p: Pen) -> None:
    """A teddy bear's head."""
    p.circle(0.22, 0.24, 0.16)
    p.circle(0.78, 0.24, 0.16)
    p.circle(0.22, 0.24, 0.07, cut=True)
    p.circle(0.78, 0.24, 0.07, cut=True)
    p.ellipse(0.10, 0.16, 0.90, 0.94)
    p.circle(0.36, 0.48, 0.05, cut=True)
    p.circle(0.64, 0.48, 0.05, cut=True)
    p.ellipse(0.32, 0.58, 0.68, 0.86, cut=True)
    p.ellipse(0.43, 0.62, 0.57, 0.71)
    p.line([(0.5, 0.70), (0.5, 0.78)], LINE * 0.5)


def box(p: Pen) -> None:
    """The fallback when nothing else fits and there are no initials to draw: a parcel."""
    p.poly([(0.50, 0.04), (0.94, 0.24), (0.94, 0.76), (0.50, 0.96), (0.06, 0.76), (0.06, 0.24)])
    p.line([(0.06, 0.24), (0.50, 0.44), (0.94, 0.24)], LINE * 0.7, cut=True)
    p.line([(0.50, 0.44), (0.50, 0.96)], LINE * 0.7, cut=True)
    p.line([(0.28, 0.14), (0.72, 0.34), (0.72, 0.50)], LINE * 0.9, cut=True)


GLYPHS: dict[str, Glyph] = {
    "backpack": backpack,
    "bag": bag,
    "beanie": beanie,
    "blanket": blanket,
    "book": book,
    "bottle": bottle,
    "box": box,
    "candle": candle,
    "coffee": coffee,
    "dress": dress,
    "gem": gem,
    "gift": gift,
    "glasses": glasses,
    "hat": hat,
    "headphones": headphones,
    "hoodie": hoodie,
    "jacket": jacket,
    "lamp": lamp,
    "leaf": leaf,
    "mat": mat,
    "mug": mug,
    "necklace": necklace,
    "pants": pants,
    "phone": phone,
    "plant": plant,
    "shirt": shirt,
    "shoe": shoe,
    "sock": sock,
    "teacup": teacup,
    "toy": toy,
    "wallet": wallet,
    "watch": watch,
}
