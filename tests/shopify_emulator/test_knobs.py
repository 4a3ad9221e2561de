"""`/_emulator/*` knobs: reset, seed, config, faults, merchant edits, stats."""

from __future__ import annotations

import httpx
import pytest

from tests.fixtures.waiting import wait_for
from tests.shopify_emulator.conftest import API, Emulator

pytestmark = pytest.mark.integration


def test_knobs_need_the_access_token(emulator: Emulator) -> None:
    response = httpx.post(emulator.base_url + "/_emulator/reset")
    assert response.status_code == 401


def test_seed_creates_realistic_products_and_reset_clears(emulator: Emulator) -> None:
    seeded = emulator.knob("seed", {"products": 120, "collections": True, "seed": 7})
    assert seeded["products"] == 120 and seeded["collections"] == 5
    stats = emulator.client.get("/_emulator/stats").json()
    assert stats["products"] == 120
    assert stats["variants"] >= 120
    page = emulator.data(
        "{ products(first: 5) { nodes { title vendor productType handle status "
        "variants(first: 3) { nodes { sku price } } } } }"
    )["products"]["nodes"]
    assert all(p["title"] and p["vendor"] and p["variants"]["nodes"] for p in page)
    assert len({p["handle"] for p in page}) == 5
    emulator.knob("reset")
    assert emulator.client.get("/_emulator/stats").json()["products"] == 0


def test_stats_count_requests_mutations_and_cost(emulator: Emulator) -> None:
    emulator.gql("{ shop { name } }")
    emulator.gql('mutation { productCreate(product: {title: "x"}) { product { id } } }')
    stats = emulator.client.get("/_emulator/stats").json()
    assert stats["graphql_requests"] == 2
    assert stats["mutations"] == 1
    assert stats["cost_points_spent"] == 1 + 10
    assert stats["products"] == 1
    assert stats["http_requests"] >= 3


def test_merchant_edit_changes_product_and_updated_at(emulator: Emulator) -> None:
    created = emulator.data(
        'mutation { productCreate(product: {title: "Lamp"}) { product { id legacyResourceId '
        "updatedAt } } }"
    )["productCreate"]["product"]
    edited = emulator.knob(
        f"products/{created['legacyResourceId']}/edit",
        {"title": "Desk Lamp", "tags": "home, light", "price": "49.50", "body_html": "<p>Warm</p>"},
    )
    assert edited["changed"] is True
    product = emulator.data(
        "query($id: ID!) { product(id: $id) { title tags descriptionHtml updatedAt "
        "variants(first: 1) { nodes { price } } } }",
        {"id": created["id"]},
    )["product"]
    assert product["title"] == "Desk Lamp"
    assert product["tags"] == ["home", "light"]
    assert product["descriptionHtml"] == "<p>Warm</p>"
    assert product["variants"]["nodes"] == [{"price": "49.50"}]
    assert product["updatedAt"] > created["updatedAt"]
    unchanged = emulator.knob(f"products/{created['id']}/edit", {"title": "Desk Lamp"})
    assert unchanged["changed"] is False
    missing = emulator.client.post("/_emulator/products/1/edit", json={"title": "x"})
    assert missing.status_code == 404


def test_latency_delays_graphql_but_not_knobs(emulator: Emulator) -> None:
    emulator.knob("config", {"latency_ms": 2000})
    with pytest.raises(httpx.ReadTimeout):
        emulator.client.post(API, json={"query": "{ shop { name } }"}, timeout=0.2)
    response = emulator.client.get("/_emulator/stats", timeout=1.5)  # under the 2 s latency
    assert response.status_code == 200
    emulator.knob("config", {"latency_ms": 0})


def test_config_changes_plan_and_latency(emulator: Emulator) -> None:
    config = emulator.knob("config", {"plan": "plus", "latency_ms": 5})
    assert (config["plan"], config["latency_ms"], config["bucket_size"]) == ("plus", 5.0, 20000.0)
    status = emulator.gql("{ shop { name } }")["extensions"]["cost"]["throttleStatus"]
    assert status["restoreRate"] == 1000.0
    bad = emulator.client.post("/_emulator/config", json={"plan": "gold"})
    assert bad.status_code == 400


@pytest.fixture
def faulty(standard_plan: Emulator) -> Emulator:
    return standard_plan


def test_error_faults_answer_5xx(faulty: Emulator) -> None:
    faulty.knob("faults", {"error_rate": 1.0, "error_statuses": [503]})
    response = faulty.client.post(API, json={"query": "{ shop { name } }"})
    assert response.status_code == 503
    faulty.knob("faults", {})
    assert faulty.client.post(API, json={"query": "{ shop { name } }"}).status_code == 200
    assert faulty.client.get("/_emulator/stats").json()["faults_injected"] == 1


def test_timeout_faults_hang_past_the_client_timeout(faulty: Emulator) -> None:
    faulty.knob("faults", {"timeout_rate": 1.0, "timeout_seconds": 5})
    with pytest.raises(httpx.ReadTimeout):
        faulty.client.post(API, json={"query": "{ shop { name } }"}, timeout=0.3)
    faulty.knob("faults", {})


def test_drop_faults_cut_the_connection(faulty: Emulator) -> None:
    faulty.knob("faults", {"drop_rate": 1.0})
    with pytest.raises(httpx.TransportError):
        faulty.client.post(API, json={"query": "{ shop { name } }"})
    faulty.knob("faults", {})
    assert faulty.client.post(API, json={"query": "{ shop { name } }"}).status_code == 200


def test_throttle_storm_forces_throttled_responses(faulty: Emulator) -> None:
    faulty.knob("faults", {"throttle_storm_seconds": 30})
    body = faulty.gql("{ shop { name } }")
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 0
    faulty.knob("reset")
    assert "errors" not in faulty.gql("{ shop { name } }")


def test_time_scale_shortens_storms_and_reports_rates_per_real_second(faulty: Emulator) -> None:
    config = faulty.knob("config", {"time_scale": 0.01})
    assert (config["time_scale"], config["restore_rate"], config["bucket_size"]) == (
        0.01,
        10000.0,
        2000.0,
    )
    faulty.knob("faults", {"throttle_storm_seconds": 30})  # 0.3 real seconds
    body = faulty.gql("{ shop { name } }")
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert body["extensions"]["cost"]["throttleStatus"]["restoreRate"] == 10000.0
    wait_for(lambda: "errors" not in faulty.gql("{ shop { name } }"), "the storm to pass")


def test_time_scale_shortens_latency_and_timeout_faults(faulty: Emulator) -> None:
    faulty.knob("config", {"time_scale": 0.001, "latency_ms": 60_000})  # 60 ms
    assert faulty.client.post(API, json={"query": "{ shop { name } }"}).status_code == 200
    faulty.knob("faults", {"timeout_rate": 1.0, "timeout_seconds": 60})  # hangs 60 ms
    assert faulty.client.post(API, json={"query": "{ shop { name } }"}).status_code == 503


def test_time_scale_must_be_positive(faulty: Emulator) -> None:
    for bad in (0, -1, "fast"):
        response = faulty.client.post("/_emulator/config", json={"time_scale": bad})
        assert response.status_code == 400, bad
    assert faulty.knob("config", {})["time_scale"] == 1.0
