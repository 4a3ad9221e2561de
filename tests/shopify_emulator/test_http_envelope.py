"""The GraphQL endpoint's envelope: auth, versions, errors, cost extensions, throttling."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.shopify_emulator.conftest import API, Emulator

pytestmark = pytest.mark.integration


def test_missing_or_wrong_token_is_shopifys_401(emulator: Emulator) -> None:
    for headers in ({}, {"X-Shopify-Access-Token": "wrong"}):
        response = httpx.post(
            emulator.base_url + API, json={"query": "{ shop { name } }"}, headers=headers
        )
        assert response.status_code == 401
        assert response.json() == {
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }


@pytest.mark.parametrize("version", ["2025-05", "2027-01", "latest"])
def test_a_version_that_does_not_exist_is_404(emulator: Emulator, version: str) -> None:
    response = emulator.client.post(
        f"/admin/api/{version}/graphql.json", json={"query": "{ shop { name } }"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("version", ["2019-04", "2025-04", "2025-10"])
def test_a_retired_version_is_served_as_the_oldest_supported_one(
    emulator: Emulator, version: str
) -> None:
    response = emulator.client.post(
        f"/admin/api/{version}/graphql.json", json={"query": "{ shop { name } }"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["shop"]["name"]
    assert response.headers["x-shopify-api-version"] == "2026-01"


@pytest.mark.parametrize("version", ["2026-01", "2026-04", "2026-07", "2026-10", "unstable"])
def test_each_supported_version_is_served_as_asked(emulator: Emulator, version: str) -> None:
    response = emulator.client.post(
        f"/admin/api/{version}/graphql.json", json={"query": "{ shop { name } }"}
    )
    assert response.status_code == 200
    assert response.headers["x-shopify-api-version"] == version


def test_supported_version_is_echoed(emulator: Emulator) -> None:
    response = emulator.client.post(API, json={"query": "{ shop { name } }"})
    assert response.headers["x-shopify-api-version"] == "2026-10"


def test_body_without_query_is_400(emulator: Emulator) -> None:
    for content in (b"not json", b'{"variables": {}}'):
        response = emulator.client.post(API, content=content)
        assert response.status_code == 400


def test_every_response_carries_cost(emulator: Emulator) -> None:
    body = emulator.gql("{ shop { name plan { displayName shopifyPlus } } }")
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2
    assert cost["actualQueryCost"] == 2
    assert set(cost["throttleStatus"]) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}


def test_actual_cost_is_refunded_down_to_returned_nodes(emulator: Emulator) -> None:
    emulator.knob("seed", {"products": 3, "seed": 1})
    body = emulator.gql("{ products(first: 50) { nodes { id } } }")
    assert body["extensions"]["cost"]["requestedQueryCost"] == 52
    assert body["extensions"]["cost"]["actualQueryCost"] == 5


PRODUCT_SET_WITH_FRAGMENT = (
    "mutation Set($input: ProductSetInput!, $identifier: ProductSetIdentifiers, "
    "$variantsFirst: Int = 100) { productSet(input: $input, identifier: $identifier, "
    "synchronous: true) { ...Payload } } "
    "fragment Payload on ProductSetPayload { product { id handle updatedAt "
    "variants(first: $variantsFirst) { nodes { id sku selectedOptions { name value } } } } "
    "userErrors { field message code } }"
)


def test_requested_cost_uses_a_default_read_in_a_fragment(emulator: Emulator) -> None:
    def requested(variables: dict[str, Any]) -> int:
        body = emulator.gql(PRODUCT_SET_WITH_FRAGMENT, variables)
        assert "errors" not in body, body
        cost: int = body["extensions"]["cost"]["requestedQueryCost"]
        return cost

    product = {"input": {"title": "Cost"}, "identifier": {"handle": "cost"}}
    # 10 + variants 2 + 100 x (1 + selectedOptions 1); then with 10, then the default again.
    assert requested(product) == 212
    assert requested({**product, "variantsFirst": 10}) == 32
    assert requested(product) == 212


def _error(body: dict[str, object]) -> dict[str, object]:
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert "data" not in body
    error = errors[0]
    assert isinstance(error, dict)
    return error


def test_undefined_field(emulator: Emulator) -> None:
    error = _error(emulator.gql("{ products(first: 1) { nodes { titel } } }"))
    assert error["message"] == "Field 'titel' doesn't exist on type 'Product'"
    assert error["extensions"] == {
        "code": "undefinedField",
        "typeName": "Product",
        "fieldName": "titel",
    }
    assert error["locations"] == [{"line": 1, "column": 32}]
    assert error["path"] == ["query", "products", "nodes", "titel"]


def test_missing_required_argument(emulator: Emulator) -> None:
    error = _error(emulator.gql("{ product { title } }"))
    assert error["message"] == "Field 'product' is missing required arguments: id"
    assert error["extensions"]["code"] == "missingRequiredArguments"  # type: ignore[index]


def test_incompatible_argument_literal(emulator: Emulator) -> None:
    error = _error(emulator.gql('{ products(first: "ten") { nodes { id } } }'))
    assert error["extensions"]["code"] == "argumentLiteralsIncompatible"  # type: ignore[index]
    assert error["message"] == (
        "Argument 'first' on Field 'products' has an invalid value (\"ten\"). Expected type 'Int'."
    )


def test_variable_mismatch(emulator: Emulator) -> None:
    error = _error(emulator.gql("query($id: String!) { product(id: $id) { title } }", {"id": "x"}))
    assert error["message"] == "Type mismatch on variable $id and argument id (String! / ID!)"
    assert error["extensions"]["code"] == "variableMismatch"  # type: ignore[index]


def test_parse_error(emulator: Emulator) -> None:
    error = _error(emulator.gql("{ products(first: 1 { nodes { id } } }"))
    assert error["message"] == 'Parse error on "{" (LCURLY) at [1, 21]'
    assert error["locations"] == [{"line": 1, "column": 21}]


def test_invalid_variable_value(emulator: Emulator) -> None:
    body = emulator.gql(
        "mutation($input: ProductSetInput!) { productSet(input: $input) { product { id } } }",
        {"input": {"title": "x", "variants": [{"optionValues": [], "price": "abc"}]}},
    )
    error = _error(body)
    assert error["extensions"]["code"] == "INVALID_VARIABLE"  # type: ignore[index]
    assert str(error["message"]).startswith("Variable $input of type ProductSetInput! was provided")


def test_missing_page_size_is_an_execution_error(emulator: Emulator) -> None:
    body = emulator.gql("{ products { nodes { id } } }")
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["path"] == ["products"]
    assert body["errors"][0]["extensions"] == {"code": "BAD_REQUEST"}
    assert body["data"] is None


def test_max_cost_exceeded(emulator: Emulator) -> None:
    error = _error(
        emulator.gql("{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }")
    )
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 63252, "maxCost": 1000}
    assert str(error["message"]).startswith(
        "Query cost is 63252, which exceeds the single query max cost limit (1000)."
    )


def test_throttled_like_shopify(standard_plan: Emulator) -> None:
    emulator = standard_plan
    emulator.knob("seed", {"products": 200, "seed": 3})
    query = "{ products(first: 166) { nodes { id variants(first: 3) { nodes { id } } } } }"
    bodies = [emulator.gql(query) for _ in range(8)]
    throttled = [b for b in bodies if "errors" in b]
    assert throttled, "a standard bucket of 2,000 points cannot serve 8 x ~700 points at once"
    body = throttled[0]
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 998
    assert cost["actualQueryCost"] is None
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0
    assert status["restoreRate"] == 100.0
    assert status["currentlyAvailable"] < 998
    assert emulator.client.get("/_emulator/stats").json()["throttled_responses"] == len(throttled)


def test_plans_set_bucket_and_restore_rate(standard_plan: Emulator) -> None:
    expected = {
        "standard": (2000.0, 100.0),
        "advanced": (4000.0, 200.0),
        "plus": (20000.0, 1000.0),
        "enterprise": (40000.0, 2000.0),
    }
    for plan, (size, rate) in expected.items():
        standard_plan.knob("config", {"plan": plan})
        status = standard_plan.gql("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]
        assert (status["maximumAvailable"], status["restoreRate"]) == (size, rate)
