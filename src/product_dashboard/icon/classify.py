"""Which glyph fits a product: keywords matched in its type, then category, title and tags."""

from __future__ import annotations

import re
import unicodedata

from product_dashboard.icon.subject import IconSubject

# Singular, lower-case words or phrases; the longest phrase found wins within one field.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "shirt": ("t shirt", "tshirt", "tee", "shirt", "top", "blouse", "polo", "tank top", "jersey"),
    "hoodie": ("hoodie", "hoody", "sweatshirt", "sweater", "jumper", "pullover", "cardigan"),
    "jacket": ("jacket", "coat", "parka", "blazer", "vest", "outerwear", "windbreaker"),
    "pants": ("jean", "pant", "trouser", "short", "legging", "chino", "jogger", "denim"),
    "dress": ("dress", "skirt", "gown"),
    "shoe": ("shoe", "sneaker", "trainer", "boot", "sandal", "footwear", "loafer", "slipper"),
    "sock": ("sock", "stocking", "hosiery"),
    "hat": ("hat", "cap", "fedora", "headwear"),
    "beanie": ("beanie", "toque", "knit hat", "winter hat"),
    "mug": ("mug", "cup", "drinkware", "tumbler"),
    "teacup": ("tea", "teacup", "infusion", "teapot", "matcha"),
    "coffee": ("coffee", "espresso", "bean"),
    "bottle": ("bottle", "water bottle", "flask", "canteen", "thermos"),
    "bag": ("bag", "tote", "handbag", "purse", "shopper", "clutch"),
    "backpack": ("backpack", "rucksack", "daypack", "luggage"),
    "wallet": ("wallet", "card holder", "money clip", "cardholder"),
    "book": ("book", "notebook", "journal", "diary", "notepad", "planner", "sketchbook"),
    "candle": ("candle", "home fragrance", "wax melt"),
    "glasses": ("sunglass", "glass", "eyewear", "spectacle", "shade"),
    "gem": ("jewelry", "jewellery", "ring", "gem", "diamond", "earring", "bracelet"),
    "necklace": ("necklace", "pendant", "chain", "choker"),
    "watch": ("watch", "clock", "smartwatch", "timepiece"),
    "headphones": ("headphone", "earphone", "earbud", "headset", "audio", "speaker"),
    "phone": ("phone", "smartphone", "phone case", "electronic", "gadget", "tablet"),
    "plant": ("planter", "plant", "pot", "succulent", "houseplant", "garden"),
    "leaf": ("leaf", "herb", "organic", "botanical", "skincare", "soap", "cosmetic"),
    "mat": ("yoga mat", "mat", "yoga", "fitness", "exercise", "pilates"),
    "blanket": ("blanket", "throw", "quilt", "bedding", "duvet", "linen", "towel"),
    "lamp": ("lamp", "lighting", "light", "lantern", "sconce"),
    "gift": ("gift", "gift card", "voucher", "present", "bundle"),
    "toy": ("toy", "game", "ball", "puzzle", "plush"),
}

_PHRASES: list[tuple[str, str]] = sorted(
    ((phrase, glyph) for glyph, phrases in KEYWORDS.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", text)


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _match(text: str) -> str | None:
    if not text:
        return None
    words = _words(text)
    # Both spellings: "beanies" → "beany" would miss "beanie"; "mugs" needs "mug".
    plain = f" {' '.join(words)} "
    singular = f" {' '.join(_singular(w) for w in words)} "
    for phrase, glyph in _PHRASES:
        if f" {phrase} " in singular or f" {phrase} " in plain or f" {phrase}s " in plain:
            return glyph
    return None


def glyph_for(subject: IconSubject) -> str | None:
    """The glyph name for a subject, or None when nothing recognisable was found."""
    # The category path is most general first ("Apparel > Clothing > T-Shirts"): read its leaf.
    category_leaves = list(reversed(subject.category.split(">")))
    for field in (subject.product_type, *category_leaves, subject.title, *subject.tags):
        glyph = _match(field)
        if glyph is not None:
            return glyph
    return None


def initials(subject: IconSubject) -> str:
    """One or two letters for an icon without a glyph: from the type, else the title."""
    source = subject.product_type or subject.title
    words = [w for w in re.split(r"[\s\-_/&,.]+", source) if w and w[0].isalnum()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters if all(_drawable(c) for c in letters) else ""


def _drawable(char: str) -> bool:
    """Whether the bundled font draws it: Latin letters and digits."""
    return char.isalnum() and ord(char) < 0x250
