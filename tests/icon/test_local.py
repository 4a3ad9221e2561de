from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageDraw

from product_dashboard.icon import classify
from product_dashboard.icon.glyphs import GLYPHS
from product_dashboard.icon.local import LocalIconGenerator, render
from product_dashboard.icon.palette import _relative_luminance, palette_for
from product_dashboard.icon.pen import Pen
from product_dashboard.icon.storage import thumbnail
from product_dashboard.icon.subject import IconSubject

pytestmark = pytest.mark.quick

TEE = IconSubject(title="Classic Crew Tee", product_type="T-Shirts", vendor="Northwind")
MUG = IconSubject(title="Enamel Camp Mug", product_type="Mugs")


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def differs(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a, b).getbbox(alpha_only=False) is not None


@pytest.mark.parametrize("size", [512, 128])
def test_size_mode_and_transparent_surround(size: int) -> None:
    image = render(TEE) if size == 512 else thumbnail(render(TEE))
    assert image.size == (size, size)
    assert image.mode == "RGBA"
    alpha = image.getchannel("A")
    for corner in ((0, 0), (size - 1, 0), (0, size - 1), (size - 1, size - 1)):
        assert alpha.getpixel(corner) == 0, corner
    assert alpha.getpixel((size // 2, size // 2)) == 255


def test_edges_are_anti_aliased() -> None:
    alpha = render(TEE).getchannel("A")
    partial = sum(count for value, count in enumerate(alpha.histogram()) if 0 < value < 255)
    assert partial > 200  # the rounded tile's edge blends instead of stair-stepping


def test_glyph_stands_out_from_the_tile() -> None:
    image = render(MUG).convert("L")
    histogram = image.crop((128, 128, 384, 384)).histogram()
    present = [value for value, count in enumerate(histogram) if count]
    assert present[-1] - present[0] > 120


def test_same_subject_same_pixels() -> None:
    twin = IconSubject(title=TEE.title, product_type=TEE.product_type, vendor=TEE.vendor)
    assert png(render(TEE)) == png(render(twin))


def test_distinct_types_distinct_icons() -> None:
    subjects = [
        TEE,
        MUG,
        IconSubject(title="Trail Runner", product_type="Sneakers"),
        IconSubject(title="Widget", product_type="Widgets"),
        IconSubject(title="Gizmo", product_type="Gizmos"),
    ]
    images = [render(s) for s in subjects]
    for i, a in enumerate(images):
        for b in images[i + 1 :]:
            assert differs(a, b)


def test_palette_follows_the_type_not_the_title() -> None:
    one = render(IconSubject(title="Alpha Tee", product_type="T-Shirts"))
    other = render(IconSubject(title="Omega Tee", product_type="T-Shirts"))
    assert not differs(one, other)  # same type, same glyph, same colours
    assert palette_for("T-Shirts") == palette_for("t-shirts ")
    assert palette_for("T-Shirts") != palette_for("Hoodies")


@pytest.mark.parametrize("key", ["Mugs", "Candles", "Lemon Soap", "Sunglasses", "x", ""])
def test_tiles_are_dark_enough_for_a_white_glyph(key: str) -> None:
    palette = palette_for(key)
    for rgb in (palette.top, palette.bottom):
        assert _relative_luminance(tuple(c / 255 for c in rgb)) < 0.45  # type: ignore[arg-type]


def test_every_glyph_draws_a_distinct_visible_shape() -> None:
    masks = {}
    for name, glyph in GLYPHS.items():
        mask = Image.new("L", (256, 256), 0)
        glyph(Pen(ImageDraw.Draw(mask), 0, 0, 256))
        covered = sum(mask.histogram()[128:]) / (256 * 256)
        assert 0.05 < covered < 0.8, (name, covered)
        masks[name] = mask
    names = list(masks)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert differs(masks[a], masks[b]), (a, b)


@pytest.mark.parametrize(
    ("subject", "glyph"),
    [
        (IconSubject(title="x", product_type="T-Shirts"), "shirt"),
        (IconSubject(title="x", product_type="Hoodies"), "hoodie"),
        (IconSubject(title="x", product_type="Water Bottles"), "bottle"),
        (IconSubject(title="x", product_type="Yoga Mats"), "mat"),
        (IconSubject(title="x", product_type="Beanies"), "beanie"),
        (IconSubject(title="x", product_type="Sneakers"), "shoe"),
        (IconSubject(title="x", product_type="Necklaces"), "necklace"),
        (IconSubject(title="x", product_type="Planters"), "plant"),
        (IconSubject(title="x", product_type="Jeans"), "pants"),
        (IconSubject(title="x", product_type="Wallets"), "wallet"),
        (IconSubject(title="x", product_type="Tea"), "teacup"),
        (IconSubject(title="x", product_type="Coffee"), "coffee"),
        # The type says nothing: the category's leaf, then the title, then tags decide.
        (IconSubject(title="x", product_type="Misc", category="Apparel > Shoes > Boots"), "shoe"),
        (IconSubject(title="Travel Backpack 20L", product_type=""), "backpack"),
        (IconSubject(title="Thing", tags=("summer", "sunglasses")), "glasses"),
    ],
)
def test_glyph_choice(subject: IconSubject, glyph: str) -> None:
    assert classify.glyph_for(subject) == glyph


def test_unknown_types_get_initials() -> None:
    assert classify.glyph_for(IconSubject(title="Flux Capacitor", product_type="Widgets")) is None
    assert classify.initials(IconSubject(title="x", product_type="Gizmo Parts")) == "GP"
    assert classify.initials(IconSubject(title="Flux Capacitor")) == "FC"
    assert classify.initials(IconSubject(title="陶器")) == ""  # not drawable: the box glyph


def test_undrawable_names_still_get_an_icon() -> None:
    image = render(IconSubject(title="陶器"))
    assert image.getchannel("A").getpixel((256, 256)) == 255
    assert differs(image, render(IconSubject(title="Widgets")))


async def test_generator_interface() -> None:
    generator = LocalIconGenerator()
    assert generator.name == "local"
    image = await generator.generate(MUG)
    assert not differs(image, render(MUG))
