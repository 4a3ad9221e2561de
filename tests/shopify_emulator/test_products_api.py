"""Products over loopback HTTP: productSet semantics, CRUD, variants, pagination, search."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import Emulator

pytestmark = pytest.mark.integration

PRODUCT_FIELDS = """
  id handle title descriptionHtml vendor productType status tags updatedAt createdAt
  legacyResourceId
  options { name position values }
  variants(first: 250) {
    nodes { id title sku price compareAtPrice position inventoryQuantity
            selectedOptions { name value } updatedAt }
  }
"""
PRODUCT_SET = f"""
mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers, $sync: Boolean) {{
  productSet(input: $input, identifier: $identifier, synchronous: $sync) {{
    product {{ {PRODUCT_FIELDS} }}
    productSetOperation {{ id status }}
    userErrors {{ field message code }}
  }}
}}
"""


def sizes(*names: str) -> dict[str, Any]:
    return {"name": "Size", "values": [{"name": n} for n in names]}


def variant(size: str, price: str, **fields: Any) -> dict[str, Any]:
    return {"optionValues": [{"optionName": "Size", "name": size}], "price": price, **fields}


def product_set(
    emulator: Emulator, data: dict[str, Any], identifier: dict[str, Any] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = emulator.data(PRODUCT_SET, {"input": data, "identifier": identifier})[
        "productSet"
    ]
    return result


def create_shirt(emulator: Emulator, **extra: Any) -> dict[str, Any]:
    payload = product_set(
        emulator,
        {
            "title": "Blue Shirt",
            "vendor": "Acme",
            "productType": "Shirts",
            "tags": ["summer", "cotton"],
            "descriptionHtml": "<p>Soft.</p>",
            "productOptions": [sizes("S", "M")],
            "variants": [variant("S", "19.99", sku="BS-S"), variant("M", "21", sku="BS-M")],
            **extra,
        },
    )
    assert payload["userErrors"] == []
    product: dict[str, Any] = payload["product"]
    return product


def test_product_set_creates_a_product_with_gid_handle_and_money(emulator: Emulator) -> None:
    product = create_shirt(emulator)
    assert product["id"].startswith("gid://shopify/Product/")
    assert int(product["legacyResourceId"]) > 2**53
    assert product["handle"] == "blue-shirt"
    assert product["status"] == "ACTIVE"
    assert product["tags"] == ["cotton", "summer"]
    assert product["options"] == [{"name": "Size", "position": 1, "values": ["S", "M"]}]
    prices = [(v["title"], v["price"], v["sku"]) for v in product["variants"]["nodes"]]
    assert prices == [("S", "19.99", "BS-S"), ("M", "21.00", "BS-M")]


def test_handles_are_made_unique_with_suffixes(emulator: Emulator) -> None:
    handles = [create_shirt(emulator)["handle"] for _ in range(3)]
    assert handles == ["blue-shirt", "blue-shirt-1", "blue-shirt-2"]


def test_explicit_duplicate_handle_is_a_user_error(emulator: Emulator) -> None:
    create_shirt(emulator)
    payload = product_set(emulator, {"title": "Other", "handle": "blue-shirt"})
    assert payload["product"] is None
    assert payload["userErrors"][0]["code"] == "HANDLE_NOT_UNIQUE"
    assert payload["userErrors"][0]["field"] == ["input", "handle"]


def test_update_keeps_omitted_scalars_and_replaces_given_lists(emulator: Emulator) -> None:
    created = create_shirt(emulator)
    payload = product_set(
        emulator,
        {
            "title": "Blue Shirt v2",
            "tags": ["sale"],
            "productOptions": [sizes("M", "L")],
            "variants": [variant("M", "22.50"), variant("L", "23")],
        },
        {"id": created["id"]},
    )
    assert payload["userErrors"] == []
    updated = payload["product"]
    assert updated["id"] == created["id"]
    assert (updated["vendor"], updated["productType"]) == ("Acme", "Shirts")
    assert updated["descriptionHtml"] == "<p>Soft.</p>"
    assert updated["handle"] == "blue-shirt"
    assert updated["tags"] == ["sale"]
    variants = updated["variants"]["nodes"]
    assert [(v["title"], v["price"]) for v in variants] == [("M", "22.50"), ("L", "23.00")]
    # The M variant keeps its id (matched by option values) and its SKU (omitted scalar).
    old_m = next(v for v in created["variants"]["nodes"] if v["title"] == "M")
    assert variants[0]["id"] == old_m["id"] and variants[0]["sku"] == "BS-M"


def test_updated_at_moves_on_change_and_not_on_a_no_op(emulator: Emulator) -> None:
    created = create_shirt(emulator)
    same = product_set(emulator, {"title": "Blue Shirt", "vendor": "Acme"}, {"id": created["id"]})
    assert same["product"]["updatedAt"] == created["updatedAt"]
    changed = product_set(emulator, {"vendor": "Northwind"}, {"id": created["id"]})
    assert changed["product"]["updatedAt"] > created["updatedAt"]
    again = product_set(emulator, {"vendor": "Northwind"}, {"id": created["id"]})
    assert again["product"]["updatedAt"] == changed["product"]["updatedAt"]


def test_identifier_handle_upserts(emulator: Emulator) -> None:
    first = product_set(emulator, {"title": "Mug"}, {"handle": "house-mug"})["product"]
    assert first["handle"] == "house-mug"
    second = product_set(emulator, {"title": "Mug XL"}, {"handle": "house-mug"})["product"]
    assert second["id"] == first["id"] and second["title"] == "Mug XL"


def test_unknown_identifier_id_is_a_user_error(emulator: Emulator) -> None:
    payload = product_set(emulator, {"title": "x"}, {"id": "gid://shopify/Product/1"})
    assert payload["userErrors"] == [
        {
            "field": ["identifier", "id"],
            "message": "Product does not exist",
            "code": "PRODUCT_DOES_NOT_EXIST",
        }
    ]


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({"title": "  "}, "INVALID_PRODUCT", ["input", "title"]),
        (
            {
                "title": "x",
                "productOptions": [
                    {"name": n, "values": [{"name": "a"}]} for n in ("A", "B", "C", "D")
                ],
                "variants": [],
            },
            "OPTIONS_OVER_LIMIT",
            ["input", "productOptions"],
        ),
        (
            {"title": "x", "productOptions": [sizes("S")], "variants": [variant("XL", "1")]},
            "OPTION_VALUE_DOES_NOT_EXIST",
            ["input", "variants", "0", "optionValues", "0"],
        ),
        (
            {
                "title": "x",
                "productOptions": [sizes("S")],
                "variants": [{"optionValues": [{"optionName": "Color", "name": "Red"}]}],
            },
            "OPTION_DOES_NOT_EXIST",
            ["input", "variants", "0", "optionValues", "0"],
        ),
        (
            {"title": "x", "productOptions": [sizes("S")], "variants": [variant("S", "-1")]},
            "INVALID_VARIANT",
            ["input", "variants", "0", "price"],
        ),
        (
            {"title": "x", "productOptions": [sizes("S", "S")], "variants": [variant("S", "1")]},
            "DUPLICATED_OPTION_VALUE",
            ["input", "productOptions", "0", "values", "1", "name"],
        ),
        (
            {"title": "x", "variants": [variant("S", "1")]},
            "PRODUCT_OPTIONS_INPUT_MISSING",
            ["input", "productOptions"],
        ),
    ],
)
def test_invalid_product_set_input(
    emulator: Emulator, data: dict[str, Any], code: str, field: list[str]
) -> None:
    payload = product_set(emulator, data)
    assert payload["product"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]][:1] == [(code, field)]
    assert emulator.data("{ productsCount { count } }")["productsCount"]["count"] == 0


def test_more_than_2048_variants_is_refused(emulator: Emulator) -> None:
    values = [f"v{i}" for i in range(2049)]
    payload = product_set(
        emulator,
        {
            "title": "Huge",
            "productOptions": [{"name": "Size", "values": [{"name": v} for v in values]}],
            "variants": [variant(v, "1") for v in values],
        },
    )
    assert payload["userErrors"][0]["code"] == "VARIANTS_OVER_LIMIT"


def test_async_product_set_completes_shortly_after(emulator: Emulator) -> None:
    body = emulator.data(
        PRODUCT_SET,
        {"input": {"title": "Later"}, "sync": False},
    )["productSet"]
    assert body["product"] is None
    operation = body["productSetOperation"]
    assert operation["status"] in ("CREATED", "ACTIVE")
    query = "query($id: ID!) { productOperation(id: $id) { status product { title } } }"

    def polled() -> Any:
        return emulator.data(query, {"id": operation["id"]})["productOperation"]

    wait_for(lambda: polled()["status"] == "COMPLETE", "the operation to complete")
    assert polled() == {"status": "COMPLETE", "product": {"title": "Later"}}


def test_product_create_update_delete(emulator: Emulator) -> None:
    created = emulator.data(
        """mutation { productCreate(product: {title: "Tote", productOptions: [
             {name: "Color", values: [{name: "Black"}, {name: "Sand"}]}]}) {
           product { id handle variants(first: 5) { nodes { title price } } }
           userErrors { field message } } }"""
    )["productCreate"]
    assert created["userErrors"] == []
    product = created["product"]
    assert product["variants"]["nodes"] == [{"title": "Black", "price": "0.00"}]
    updated = emulator.data(
        "mutation($p: ProductUpdateInput!) { productUpdate(product: $p) "
        "{ product { title vendor handle } userErrors { field message } } }",
        {"p": {"id": product["id"], "title": "Big Tote", "vendor": "Fieldhouse"}},
    )["productUpdate"]
    assert updated["product"] == {"title": "Big Tote", "vendor": "Fieldhouse", "handle": "tote"}
    deleted = emulator.data(
        "mutation($id: ID!) { productDelete(input: {id: $id}) "
        "{ deletedProductId userErrors { field message } } }",
        {"id": product["id"]},
    )["productDelete"]
    assert deleted == {"deletedProductId": product["id"], "userErrors": []}
    assert emulator.data("query($id: ID!) { product(id: $id) { id } }", {"id": product["id"]}) == {
        "product": None
    }
    again = emulator.data(
        "mutation($id: ID!) { productDelete(input: {id: $id}) { userErrors { field message } } }",
        {"id": product["id"]},
    )["productDelete"]
    assert again["userErrors"] == [{"field": ["id"], "message": "Product does not exist"}]


def test_product_create_with_blank_title_is_a_user_error(emulator: Emulator) -> None:
    payload = emulator.data(
        'mutation { productCreate(product: {title: ""}) { product { id } '
        "userErrors { field message } } }"
    )["productCreate"]
    assert payload == {
        "product": None,
        "userErrors": [{"field": ["title"], "message": "Title can't be blank"}],
    }


def test_variants_bulk_create_update_delete(emulator: Emulator) -> None:
    product = create_shirt(emulator)
    created = emulator.data(
        """mutation($id: ID!, $v: [ProductVariantsBulkInput!]!) {
             productVariantsBulkCreate(productId: $id, variants: $v) {
               productVariants { id title price }
               userErrors { field message code } } }""",
        {"id": product["id"], "v": [variant("L", "25")]},
    )["productVariantsBulkCreate"]
    assert created["userErrors"] == []
    [large] = created["productVariants"]
    assert (large["title"], large["price"]) == ("L", "25.00")
    updated = emulator.data(
        """mutation($id: ID!, $v: [ProductVariantsBulkInput!]!) {
             productVariantsBulkUpdate(productId: $id, variants: $v) {
               productVariants { id price compareAtPrice }
               userErrors { field message code } } }""",
        {"id": product["id"], "v": [{"id": large["id"], "price": "20", "compareAtPrice": "30"}]},
    )["productVariantsBulkUpdate"]
    assert updated["productVariants"] == [
        {"id": large["id"], "price": "20.00", "compareAtPrice": "30.00"}
    ]
    missing = emulator.data(
        """mutation($id: ID!, $v: [ProductVariantsBulkInput!]!) {
             productVariantsBulkUpdate(productId: $id, variants: $v) {
               userErrors { field code } } }""",
        {"id": product["id"], "v": [{"id": "gid://shopify/ProductVariant/1", "price": "1"}]},
    )["productVariantsBulkUpdate"]
    assert missing["userErrors"] == [
        {"field": ["variants", "0", "id"], "code": "PRODUCT_VARIANT_DOES_NOT_EXIST"}
    ]
    deleted = emulator.data(
        """mutation($id: ID!, $ids: [ID!]!) {
             productVariantsBulkDelete(productId: $id, variantsIds: $ids) {
               product { variants(first: 10) { nodes { title } } } userErrors { code } } }""",
        {"id": product["id"], "ids": [large["id"]]},
    )["productVariantsBulkDelete"]
    assert [v["title"] for v in deleted["product"]["variants"]["nodes"]] == ["S", "M"]


def test_lookups_by_handle_identifier_node_and_nodes(emulator: Emulator) -> None:
    product = create_shirt(emulator)
    variant_id = product["variants"]["nodes"][0]["id"]
    data = emulator.data(
        """query($id: ID!, $vid: ID!) {
             productByHandle(handle: "blue-shirt") { id }
             productByIdentifier(identifier: {handle: "blue-shirt"}) { id }
             node(id: $id) { id ... on Product { title } }
             nodes(ids: [$id, $vid, "gid://shopify/Product/1"]) {
               __typename ... on ProductVariant { sku product { id } } }
           }""",
        {"id": product["id"], "vid": variant_id},
    )
    assert data["productByHandle"]["id"] == product["id"]
    assert data["productByIdentifier"]["id"] == product["id"]
    assert data["node"] == {"id": product["id"], "title": "Blue Shirt"}
    assert data["nodes"][0] == {"__typename": "Product"}
    assert data["nodes"][1]["product"]["id"] == product["id"]
    assert data["nodes"][2] is None


def _titles_page(emulator: Emulator, args: str) -> dict[str, Any]:
    page: dict[str, Any] = emulator.data(
        f"{{ products({args}) {{ edges {{ cursor node {{ title }} }} "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    )["products"]
    return page


def test_cursor_pagination_forward_backward_and_reverse(emulator: Emulator) -> None:
    for title in ["Delta", "Alpha", "Echo", "Charlie", "Bravo"]:
        product_set(emulator, {"title": title})
    first = _titles_page(emulator, "first: 2, sortKey: TITLE")
    assert [e["node"]["title"] for e in first["edges"]] == ["Alpha", "Bravo"]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = _titles_page(
        emulator, f'first: 2, sortKey: TITLE, after: "{first["pageInfo"]["endCursor"]}"'
    )
    assert [e["node"]["title"] for e in second["edges"]] == ["Charlie", "Delta"]
    assert second["pageInfo"]["hasPreviousPage"]
    back = _titles_page(
        emulator, f'last: 1, sortKey: TITLE, before: "{second["pageInfo"]["startCursor"]}"'
    )
    assert [e["node"]["title"] for e in back["edges"]] == ["Bravo"]
    reverse = _titles_page(emulator, "first: 3, sortKey: TITLE, reverse: true")
    assert [e["node"]["title"] for e in reverse["edges"]] == ["Echo", "Delta", "Charlie"]
    tail = _titles_page(
        emulator,
        f'first: 5, sortKey: TITLE, reverse: true, after: "{reverse["pageInfo"]["endCursor"]}"',
    )
    assert [e["node"]["title"] for e in tail["edges"]] == ["Bravo", "Alpha"]
    assert not tail["pageInfo"]["hasNextPage"]


def test_sort_keys(emulator: Emulator) -> None:
    product_set(emulator, {"title": "B", "vendor": "zeta", "productType": "a"})
    product_set(emulator, {"title": "A", "vendor": "Alpha", "productType": "c"})
    product_set(emulator, {"title": "C", "vendor": "mid", "productType": "b"})

    def order(sort_key: str) -> list[str]:
        page = emulator.data(
            f"{{ products(first: 5, sortKey: {sort_key}) {{ nodes {{ title }} }} }}"
        )
        return [n["title"] for n in page["products"]["nodes"]]

    assert order("ID") == ["B", "A", "C"]
    assert order("CREATED_AT") == ["B", "A", "C"]
    assert order("VENDOR") == ["A", "C", "B"]
    assert order("PRODUCT_TYPE") == ["B", "C", "A"]
    assert order("TITLE") == ["A", "B", "C"]


def test_search_over_http_and_updated_at_filter(emulator: Emulator) -> None:
    shirt = create_shirt(emulator)
    product_set(emulator, {"title": "Red Mug", "vendor": "Northwind", "status": "DRAFT"})
    since = shirt["updatedAt"]

    def found(query: str) -> list[str]:
        page = emulator.data(
            "query($q: String) { products(first: 10, query: $q) { nodes { title } } }", {"q": query}
        )
        return [n["title"] for n in page["products"]["nodes"]]

    assert found("status:active") == ["Blue Shirt"]
    assert found("sku:BS-M") == ["Blue Shirt"]
    assert found("vendor:northwind OR tag:summer") == ["Blue Shirt", "Red Mug"]
    assert found("-status:draft title:blue*") == ["Blue Shirt"]
    assert found(f"updated_at:>='{since}'") == ["Blue Shirt", "Red Mug"]
    body = emulator.gql('{ products(first: 1, query: "colour:red") { nodes { id } } }')
    assert body["extensions"]["search"][0]["warnings"][0]["field"] == "colour"


def test_product_variants_query(emulator: Emulator) -> None:
    create_shirt(emulator)
    page = emulator.data(
        '{ productVariants(first: 10, query: "sku:BS-S") { nodes { sku displayName } } }'
    )
    assert page["productVariants"]["nodes"] == [{"sku": "BS-S", "displayName": "Blue Shirt - S"}]


def test_shop_and_counts(emulator: Emulator) -> None:
    create_shirt(emulator)
    data = emulator.data(
        "{ shop { name myshopifyDomain plan { displayName partnerDevelopment shopifyPlus } } "
        "productsCount { count precision } productVariantsCount { count } }"
    )
    assert data["shop"]["myshopifyDomain"] == "emulator-store.myshopify.com"
    assert data["productsCount"] == {"count": 1, "precision": "EXACT"}
    assert data["productVariantsCount"] == {"count": 2}


def test_input_arrays_over_250_are_refused(emulator: Emulator) -> None:
    body = emulator.gql(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [f"gid://shopify/Product/{i}" for i in range(251)]},
    )
    assert body["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"


def test_introspection_works(emulator: Emulator) -> None:
    data = emulator.data('{ __type(name: "Product") { name fields { name } } }')
    assert "variants" in {f["name"] for f in data["__type"]["fields"]}
