"""Colours for an icon, derived deterministically from its product type."""

from __future__ import annotations

import colorsys
import hashlib
from dataclasses import dataclass

RGB = tuple[int, int, int]

# The glyph is near-white: keep the tile dark enough that it stands out on every hue.
MAX_TILE_LUMINANCE = 0.30
TOP_LIFT = 0.08  # the gradient's top is this much lighter than its middle


@dataclass(frozen=True, slots=True)
class Palette:
    top: RGB  # tile gradient, upper edge
    bottom: RGB  # tile gradient, lower edge
    glyph: RGB
    shadow: RGB


def _relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _to_rgb(h: float, lightness: float, s: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(h, lightness, s)
    return (round(r * 255), round(g * 255), round(b * 255))


def palette_for(key: str) -> Palette:
    """Same key, same palette; hue from a hash, lightness tuned for contrast with white."""
    digest = hashlib.sha256(key.strip().lower().encode()).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    saturation = 0.50 + digest[2] / 255 * 0.22
    lightness = 0.50
    while (
        lightness > 0.2
        and _relative_luminance(colorsys.hls_to_rgb(hue, lightness, saturation))
        > MAX_TILE_LUMINANCE
    ):
        lightness -= 0.02
    return Palette(
        top=_to_rgb(hue, lightness + TOP_LIFT, saturation),
        bottom=_to_rgb((hue + 0.03) % 1.0, max(0.1, lightness - 0.06), saturation),
        glyph=_to_rgb(hue, 0.97, 0.6),
        shadow=_to_rgb(hue, max(0.05, lightness - 0.30), saturation),
    )
