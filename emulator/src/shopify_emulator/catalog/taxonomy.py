"""A small slice of Shopify's product taxonomy, enough for demo categories."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shopify_emulator.gid import make_gid, parse_gid

_ID_PATTERN = re.compile(r"^[a-z]{2}(-\d+)*$")

_NAMES: dict[str, str] = {
    "aa": "Apparel & Accessories",
    "aa-1": "Clothing",
    "aa-1-13": "Clothing Tops",
    "aa-1-13-8": "T-Shirts",
    "aa-1-13-7": "Sweaters",
    "aa-2": "Clothing Accessories",
    "aa-8": "Shoes",
    "hg": "Home & Garden",
    "hg-11": "Kitchen & Dining",
    "hg-11-10": "Tableware",
    "hg-3": "Decor",
    "el": "Electronics",
    "el-4": "Communications",
    "sg": "Sporting Goods",
    "sg-4": "Outdoor Recreation",
    "fb": "Food, Beverages & Tobacco",
    "fb-1": "Beverages",
    "fb-1-3": "Coffee",
    "os": "Office Supplies",
    "ap": "Animals & Pet Supplies",
    "na": "Uncategorized",
}


@dataclass(frozen=True)
class TaxonomyCategory:
    key: str
    graphql_type = "TaxonomyCategory"

    @property
    def gid(self) -> str:
        return make_gid("TaxonomyCategory", self.key)

    @property
    def name(self) -> str:
        return _NAMES.get(self.key, f"Category {self.key}")

    @property
    def ancestors(self) -> list[str]:
        parts = self.key.split("-")
        return ["-".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]

    @property
    def full_name(self) -> str:
        chain = [TaxonomyCategory(k).name for k in reversed(self.ancestors)]
        return " > ".join([*chain, self.name])

    @property
    def level(self) -> int:
        return len(self.key.split("-"))

    @property
    def children(self) -> list[str]:
        prefix = self.key + "-"
        return [k for k in _NAMES if k.startswith(prefix) and "-" not in k[len(prefix) :]]


def category_key(gid: str) -> str | None:
    """The taxonomy key of a well-formed TaxonomyCategory gid, else None."""
    parsed = parse_gid(gid)
    if parsed is None or parsed[0] != "TaxonomyCategory" or not _ID_PATTERN.match(parsed[1]):
        return None
    return parsed[1]


def known_category_keys() -> list[str]:
    return [k for k in _NAMES if k != "na"]
