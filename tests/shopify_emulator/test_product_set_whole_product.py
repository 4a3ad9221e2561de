"""productSet with the whole product (#16): files by id or URL with list replacement, variant
files, gift card, option values differing only in case, Unicode handles."""

from __future__ import annotations

from typing import Any

from tests.shopify_emulator.conftest import Emulator

SET = (
    "mutation($input: ProductSetInput!, $identifier: ProductSetIdentifiers) { "
    "productSet(input: $input, identifier: $identifier, synchronous: true) { "
    "product { id handle isGiftCard media(first: 20) { nodes { id alt } } "
    "options { name optionValues { name } } "
    "variants(first: 10) { nodes { selectedOptions { value } "
    "media(first: 1) { nodes { id } } } } } "
    "userErrors { field message code } } }"
)


def _set(
    emulator: Emulator, data: dict[str, Any], identifier: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = emulator.data(SET, {"input": data, "identifier": identifier})[
        "productSet"
    ]
    return payload


def _files(*names: str) -> list[dict[str, Any]]:
    return [
        {"originalSource": f"https://example.com/{n}.jpg", "alt": n, "contentType": "IMAGE"}
        for n in names
    ]


def test_files_by_id_keep_media_and_the_list_replaces_what_is_there(emulator: Emulator) -> None:
    created = _set(emulator, {"title": "Ring", "files": _files("a", "b", "c")})
    assert created["userErrors"] == []
    product = created["product"]
    a, b, c = (m["id"] for m in product["media"]["nodes"])

    kept = _set(
        emulator,
        {"files": [{"id": c, "alt": "c again"}, {"id": a}, *_files("d")]},
        {"id": product["id"]},
    )

    assert kept["userErrors"] == []
    media = kept["product"]["media"]["nodes"]
    assert [m["id"] for m in media[:2]] == [c, a]  # same media, in the order given
    assert [m["alt"] for m in media] == ["c again", "a", "d"]
    assert b not in [m["id"] for m in media]  # not listed: removed
    untouched = _set(emulator, {"title": "Ring 2"}, {"id": product["id"]})
    assert untouched["product"]["media"]["nodes"] == media  # no `files`: media left alone


def test_a_file_id_of_no_media_is_refused(emulator: Emulator) -> None:
    result = _set(emulator, {"title": "Ring", "files": [{"id": "gid://shopify/MediaImage/999999"}]})
    assert result["product"] is None
    assert result["userErrors"][0]["code"] == "NOT_FOUND"


def test_variant_file_links_a_media_and_gift_card_is_kept(emulator: Emulator) -> None:
    created = _set(
        emulator,
        {
            "title": "Card",
            "giftCard": True,
            "files": _files("front"),
            "productOptions": [{"name": "Value", "values": [{"name": "10"}, {"name": "20"}]}],
            "variants": [
                {"optionValues": [{"optionName": "Value", "name": "10"}], "price": "10"},
                {
                    "optionValues": [{"optionName": "Value", "name": "20"}],
                    "price": "20",
                    "file": {"originalSource": "https://example.com/front.jpg"},
                },
            ],
        },
    )
    assert created["userErrors"] == []
    product = created["product"]
    assert product["isGiftCard"] is True
    front = product["media"]["nodes"][0]["id"]
    links = [v["media"]["nodes"] for v in product["variants"]["nodes"]]
    assert links == [[], [{"id": front}]]
    assert len(product["media"]["nodes"]) == 1  # the variant's file is the product's media


def test_option_values_differing_only_in_case_are_two_values(emulator: Emulator) -> None:
    result = _set(
        emulator,
        {
            "title": "Beads",
            "productOptions": [{"name": "Pack", "values": [{"name": "1PC"}, {"name": "1pc"}]}],
            "variants": [
                {"optionValues": [{"optionName": "Pack", "name": value}], "price": "1"}
                for value in ("1PC", "1pc")
            ],
        },
    )
    assert result["userErrors"] == []
    product = result["product"]
    assert [v["name"] for v in product["options"][0]["optionValues"]] == ["1PC", "1pc"]
    assert [v["selectedOptions"][0]["value"] for v in product["variants"]["nodes"]] == [
        "1PC",
        "1pc",
    ]


def test_a_unicode_handle_is_kept(emulator: Emulator) -> None:
    result = _set(emulator, {"title": "Nhẫn bạc", "handle": "nhẫn-1"})
    assert result["userErrors"] == []
    assert result["product"]["handle"] == "nhẫn-1"


def _linked(metaobjects: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "title": "Scarf",
        "productOptions": [
            {
                "name": "Color",
                "linkedMetafield": {
                    "namespace": "shopify",
                    "key": "color-pattern",
                    "values": metaobjects,
                },
                **extra,
            }
        ],
        "variants": [
            {"optionValues": [{"optionName": "Color", "linkedMetafieldValue": value}]}
            for value in metaobjects
        ],
    }


def test_a_linked_option_takes_metaobjects_and_names_values_after_them(
    emulator: Emulator,
) -> None:
    red, blue = emulator.knob("seed", {"metaobjects": ["Red", "Blue"]})["metaobjects"]
    created = _set(emulator, _linked([red, blue]))
    assert created["userErrors"] == []
    assert created["product"]["options"] == [
        {"name": "Color", "optionValues": [{"name": "Red"}, {"name": "Blue"}]}
    ]
    assert [v["selectedOptions"] for v in created["product"]["variants"]["nodes"]] == [
        [{"value": "Red"}],
        [{"value": "Blue"}],
    ]

    unknown = _set(emulator, _linked([red, "gid://shopify/Metaobject/1"]))
    assert unknown["userErrors"][0]["code"] == "INVALID_METAFIELD_VALUE_FOR_LINKED_OPTION"
    assert unknown["userErrors"][0]["field"] == [
        "input",
        "productOptions",
        "0",
        "linkedMetafield",
        "values",
        "1",
    ]
    both = _set(emulator, _linked([red], values=[{"name": "Red"}]))
    assert both["userErrors"][0]["code"] == "CANNOT_COMBINE_LINKED_AND_NONLINKED_OPTION_VALUES"
