"""The local icon generator: a glyph (or initials) on a tile coloured by the product type.

Drawn at twice the output size and downsampled, which anti-aliases every edge; the area around
the rounded tile is transparent. Output depends only on the subject: same input, same pixels.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from product_dashboard.icon.classify import glyph_for, initials
from product_dashboard.icon.glyphs import GLYPHS
from product_dashboard.icon.palette import Palette, palette_for
from product_dashboard.icon.pen import Pen
from product_dashboard.icon.subject import ICON_SIZE, IconSubject

SUPERSAMPLE = 2
TILE_MARGIN = 0.04  # of the canvas: transparent ring around the tile
TILE_RADIUS = 0.22
GLYPH_BOX = 0.56  # glyph area, centred, as a share of the canvas


def palette_key(subject: IconSubject) -> str:
    return subject.product_type.strip() or subject.title.strip() or "product"


def render(subject: IconSubject, size: int = ICON_SIZE) -> Image.Image:
    """The icon as an RGBA image of `size` pixels."""
    palette = palette_for(palette_key(subject))
    # Shapes are drawn as masks at SUPERSAMPLE x size and reduced (anti-aliasing); colours are
    # then composited at the output size, which is the same result for a fraction of the work.
    glyph_mask = _glyph_mask(subject, size * SUPERSAMPLE).reduce(SUPERSAMPLE)
    image = _gradient(size, palette)
    image.paste(palette.shadow, (0, 0), _shadow(glyph_mask))
    image.paste(palette.glyph, (0, 0), glyph_mask)
    image.putalpha(_tile_mask(size))
    return image


def _shadow(glyph_mask: Image.Image) -> Image.Image:
    """A soft drop shadow below the glyph; blurred at quarter size, which looks the same."""
    size = glyph_mask.width
    quarter = glyph_mask.reduce(4)
    quarter = quarter.transform(
        quarter.size, Image.Transform.AFFINE, (1, 0, 0, 0, 1, -round(size * 0.018 / 4))
    ).filter(ImageFilter.GaussianBlur(size * 0.012 / 4))
    return quarter.point(lambda v: v * 45 // 100).resize(glyph_mask.size, Image.Resampling.BILINEAR)


@lru_cache(maxsize=4)
def _tile_mask(size: int) -> Image.Image:
    canvas = size * SUPERSAMPLE
    mask = Image.new("L", (canvas, canvas), 0)
    margin = canvas * TILE_MARGIN
    ImageDraw.Draw(mask).rounded_rectangle(
        (margin, margin, canvas - margin, canvas - margin),
        radius=canvas * TILE_RADIUS,
        fill=255,
    )
    return mask.reduce(SUPERSAMPLE)


@lru_cache(maxsize=4)
def _ramp(size: int) -> Image.Image:
    return Image.linear_gradient("L").resize((1, size)).resize((size, size))


def _gradient(size: int, palette: Palette) -> Image.Image:
    image = Image.new("RGBA", (size, size), (*palette.top, 255))
    image.paste((*palette.bottom, 255), (0, 0), _ramp(size))
    return image


def _glyph_mask(subject: IconSubject, canvas: int) -> Image.Image:
    mask = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(mask)
    box = canvas * GLYPH_BOX
    offset = (canvas - box) / 2
    name = glyph_for(subject)
    letters = "" if name else initials(subject)
    if name is None and not letters:
        name = "box"
    if name is not None:
        GLYPHS[name](Pen(draw, offset, offset, box))
    else:
        _draw_initials(draw, letters, canvas)
    return mask


def _draw_initials(draw: ImageDraw.ImageDraw, letters: str, canvas: int) -> None:
    target = canvas * (0.50 if len(letters) > 1 else 0.40)
    font = ImageFont.load_default(size=round(target))
    left, top, right, bottom = draw.textbbox((0, 0), letters, font=font)
    # Shrink wide pairs (e.g. "WM") to fit the glyph box.
    width_limit = canvas * GLYPH_BOX
    if right - left > width_limit:
        font = ImageFont.load_default(size=round(target * width_limit / (right - left)))
        left, top, right, bottom = draw.textbbox((0, 0), letters, font=font)
    x = (canvas - (right - left)) / 2 - left
    y = (canvas - (bottom - top)) / 2 - top
    draw.text(
        (x, y), letters, font=font, fill=255, stroke_width=round(canvas * 0.012), stroke_fill=255
    )


class LocalIconGenerator:
    """Always available, deterministic, no network."""

    name = "local"

    async def generate(self, subject: IconSubject) -> Image.Image:
        return await asyncio.to_thread(render, subject)
