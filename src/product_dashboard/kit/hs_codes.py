"""An inventory item's per-country harmonized system codes (Shopify's
`InventoryItem.countryHarmonizedSystemCodes`): the code each importing country gives the item,
beside its global `harmonizedSystemCode`.

A list: known in full or not at all. `CountryHsCodes.of_shopify` takes a read only when its
connection was read to the end; a push sends the list only when it is held here (productSet
replaces the whole list with what it is given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, overload

from product_dashboard.kit.assign import assign

__all__ = ["CountryHsCodes", "HsCodesText", "hs_codes_of_text", "hs_codes_problem"]

_COUNTRY = re.compile(r"[A-Z]{2}")


def hs_codes_problem(pairs: Iterable[tuple[str, str]]) -> str | None:
    """Why Shopify would refuse these (country, code) pairs, None when it takes them."""
    seen: set[str] = set()
    for country, code in pairs:
        if not _COUNTRY.fullmatch(country):
            return f"{country!r} is not a two-letter country code"
        if country in seen:
            return f"{country} is given more than once"
        seen.add(country)
        digits = code.replace(".", "")
        if not (digits.isdigit() and 6 <= len(digits) <= 13):
            return f"the {country} code must be 6 to 13 digits (dots allowed between)"
    return None


@dataclass(frozen=True, slots=True)
class CountryHsCodes:
    """(country code, HS code) pairs, by country: none is `CountryHsCodes(())`, known empty."""

    codes: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> CountryHsCodes:
        return cls(tuple(sorted((str(c), str(h)) for c, h in pairs)))

    def text(self) -> str:
        """One comparable value, as snapshots and the stored column hold it:
        "CA 150920.00, US 1509.20.2000" ("" for none)."""
        return ", ".join(f"{country} {code}" for country, code in self.codes)

    @classmethod
    def parse(cls, text: str) -> CountryHsCodes:
        """The codes `text()` wrote (ValueError for anything else)."""
        pairs: list[tuple[str, str]] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            country, _, code = part.partition(" ")
            if not code.strip():
                raise ValueError(f"not a country HS code: {part!r}")
            pairs.append((country, code.strip()))
        return cls.of(pairs)

    @classmethod
    def of_shopify(cls, connection: Mapping[str, Any] | None) -> CountryHsCodes | None:
        """From a read `countryHarmonizedSystemCodes` connection; None (not known) when it was
        not read or not to its end."""
        if connection is None:
            return None
        if (connection.get("pageInfo") or {}).get("hasNextPage"):
            return None
        nodes = connection.get("nodes")
        if nodes is None:
            nodes = [edge["node"] for edge in connection.get("edges") or ()]
        return cls.of(
            (str(n["countryCode"]), str(n["harmonizedSystemCode"]))
            for n in nodes
            if n.get("countryCode") and n.get("harmonizedSystemCode")
        )

    def to_shopify(self) -> list[dict[str, str]]:
        """As `InventoryItemInput.countryHarmonizedSystemCodes` takes it (the whole list)."""
        return [{"countryCode": c, "harmonizedSystemCode": h} for c, h in self.codes]

    def to_api(self) -> list[dict[str, str]]:
        """As the product API reads and takes it."""
        return [{"country_code": c, "harmonized_system_code": h} for c, h in self.codes]


def hs_codes_of_text(text: str | None) -> CountryHsCodes | None:
    """The stored text's codes; None (not known) for NULL."""
    return None if text is None else CountryHsCodes.parse(text)


class HsCodesText:
    """A row's `country_hs_codes` (the model's and a new variant's alike), stored as
    `CountryHsCodes.text()` in its `country_hs_codes_text` (NULL: not known)."""

    @overload
    def __get__(self, row: None, owner: type) -> HsCodesText: ...
    @overload
    def __get__(self, row: object, owner: type) -> CountryHsCodes | None: ...
    def __get__(self, row: object | None, owner: type) -> HsCodesText | CountryHsCodes | None:
        if row is None:
            return self
        return hs_codes_of_text(getattr(row, "country_hs_codes_text"))  # noqa: B009

    def __set__(self, row: object, codes: CountryHsCodes | None) -> None:
        assign(row, "country_hs_codes_text", None if codes is None else codes.text())
