"""Regenerate docs/icons/samples.png (local generator): `python docs/icons/generate_samples.py`."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from product_dashboard.icon.local import render
from product_dashboard.icon.storage import thumbnail
from product_dashboard.icon.subject import IconSubject

HERE = Path(__file__).parent
SAMPLES = [
    ("Classic Crew Tee", "T-Shirts"),
    ("Heavyweight Hoodie", "Hoodies"),
    ("Trail Runner", "Sneakers"),
    ("Commuter Backpack", "Backpacks"),
    ("Enamel Camp Mug", "Mugs"),
    ("Cedar & Smoke Candle", "Candles"),
    ("Polarised Aviators", "Sunglasses"),
    ("Terracotta Planter", "Planters"),
    ("Wool Beanie", "Beanies"),
    ("Leather Bifold", "Wallets"),
    ("Sencha Green Tea", "Tea"),
    ("Spare Parts Kit", "Spare Parts"),
]
GAP = 16


def main() -> None:
    icons = [render(IconSubject(title=title, product_type=kind)) for title, kind in SAMPLES]
    size = 128
    columns = 6
    rows = -(-len(icons) // columns)
    sheet = Image.new("RGBA", (columns * (size + GAP) + GAP, rows * (size + GAP) + GAP))
    for index, icon in enumerate(icons):
        x = GAP + (index % columns) * (size + GAP)
        y = GAP + (index // columns) * (size + GAP)
        sheet.alpha_composite(thumbnail(icon, size), (x, y))
    sheet.save(HERE / "samples.png", optimize=True)


if __name__ == "__main__":
    main()
