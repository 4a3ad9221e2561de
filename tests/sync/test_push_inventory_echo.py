"""A report of a level merged between Shopify accepting our push and our recording it (note
14, "Found at the end"): our own echo, or a sale after our write, arrives while the push is
between Shopify's answer and its record. Merged against the old base it counted the push twice
(Shopify 10, our edit 50, echo 50: 90) and the next push sent that. Against the emulator over
loopback; each report is merged and committed in its own transaction right after Shopify
answers the push's `inventorySetQuantities`, before the push records it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from product_dashboard.inventory.inbound import apply_level_update
from product_dashboard.inventory.levels import (
    ReportedTotal,
    hold_products_of,
    merge_reported_totals,
)
from product_dashboard.inventory.push import InventoryPusher
from product_dashboard.kit.time import as_utc
from product_dashboard.models import InventoryLevel, ProductVariant
from product_dashboard.shopify import documents
from product_dashboard.shopify.client import GraphQLResponse, ShopifyClient
from product_dashboard.sync.push.modes import PushMode
from tests.sync.conftest import Emulator, dialect_of, make_client, push, seed
from tests.sync.test_push_inventory import (
    first_stocked_variant,
    local_quantities,
    pull_all,
    sell,
    set_stock,
    shopify_quantities,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def after_set_quantities(
    client: ShopifyClient, then: Callable[[dict[str, Any]], Awaitable[None]]
) -> None:
    """`then(inventorySetQuantities' answer)` runs once, after Shopify answered the first
    `inventorySetQuantities` and before the client hands the answer back to the push."""
    execute = client.execute
    fired = False

    async def execute_then(
        document: str, variables: Mapping[str, Any] | None = None, **options: Any
    ) -> GraphQLResponse:
        nonlocal fired
        response = await execute(document, variables, **options)
        if document is documents.INVENTORY_SET_QUANTITIES and not fired:
            fired = True
            await then(response.data["inventorySetQuantities"])
        return response

    client.execute = execute_then  # type: ignore[method-assign]


def before_set_quantities(client: ShopifyClient, first: Callable[[], Awaitable[None]]) -> None:
    """`first()` runs once, before the first `inventorySetQuantities` leaves (its batch already
    kept on its levels)."""
    execute = client.execute
    fired = False

    async def first_then_execute(
        document: str, variables: Mapping[str, Any] | None = None, **options: Any
    ) -> GraphQLResponse:
        nonlocal fired
        if document is documents.INVENTORY_SET_QUANTITIES and not fired:
            fired = True
            await first()
        return await execute(document, variables, **options)

    client.execute = first_then_execute  # type: ignore[method-assign]


def forget_keys(emulator: Emulator) -> None:
    """Shopify no longer remembers any idempotency key (they expire): a request resent with its
    key is evaluated anew."""
    emulator.server.app.state.emulator.store.idempotency.clear()


@dataclass(frozen=True)
class Pushed:
    """The variant pushed from 10 to 50, and how a report of it reaches us."""

    sessionmaker: async_sessionmaker[AsyncSession]
    gid: str
    variant_id: int
    item: str
    location: str

    async def level_event(self, available: int, at: str) -> None:
        """Shopify's `inventory_levels/update`, merged and committed."""
        body = {
            "inventory_item_id": int(self.item.rsplit("/", 1)[1]),
            "location_id": int(self.location.rsplit("/", 1)[1]),
            "available": available,
            "updated_at": at,
        }
        async with self.sessionmaker() as session, session.begin():
            assert await apply_level_update(session, body) == "merged"

    async def product_total(self, quantity: int) -> None:
        """A `products/update` payload's total for the variant (stamped now), merged as a
        product's merge does (its product held first) and committed."""
        async with self.sessionmaker() as session, session.begin():
            await hold_products_of(session, [self.variant_id])
            variant = await session.get(ProductVariant, self.variant_id)
            assert variant is not None
            await merge_reported_totals(session, [ReportedTotal(variant, quantity, None)])

    async def level(self) -> InventoryLevel:
        async with self.sessionmaker() as session:
            level = await session.scalar(
                select(InventoryLevel).where(InventoryLevel.variant_id == self.variant_id)
            )
            assert level is not None
            return level


async def edited_from_ten_to_fifty(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> Pushed:
    """Shopify holds 10 of a variant (pushed), and the merchant edits it to 50."""
    await seed(app, 1)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    variant, location = await first_stocked_variant(sessionmaker)
    assert variant.shopify_variant_id and variant.shopify_inventory_item_id
    assert location.shopify_location_id
    pushed = Pushed(
        sessionmaker,
        variant.shopify_variant_id,
        variant.id,
        variant.shopify_inventory_item_id,
        location.shopify_location_id,
    )
    await set_stock(sessionmaker, pushed.gid, 10)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert shopify_quantities(emulator)[pushed.gid] == 10
    await set_stock(sessionmaker, pushed.gid, 50)
    return pushed


async def push_with(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    hook: Callable[[ShopifyClient], None],
) -> None:
    """A push whose client `hook` has prepared (`after_set_quantities`, ...)."""
    client = make_client(emulator)
    try:
        hook(client)
        await push(
            sessionmaker, emulator, PushMode.sequential, client=client, dialect=dialect_of(app)
        )
    finally:
        await client.aclose()


async def pushed_from_ten_to_fifty(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    after_write: Callable[[Pushed, str], Awaitable[None]],
) -> Pushed:
    """Shopify holds 10 of a variant, the merchant edits it to 50 and pushes; once Shopify
    answered, `after_write(variant, our write's createdAt)` does what happens then (in
    Shopify, and the reports that reach us) before the push goes on."""
    pushed = await edited_from_ten_to_fifty(app, sessionmaker, emulator)
    answered: list[str] = []

    async def between(answer: dict[str, Any]) -> None:
        assert not answer["userErrors"], answer
        answered.append(answer["inventoryAdjustmentGroup"]["createdAt"])
        await after_write(pushed, answered[0])

    await push_with(app, sessionmaker, emulator, lambda c: after_set_quantities(c, between))
    assert answered  # the reports did come between Shopify's answer and the record
    return pushed


async def _nothing(pushed: Pushed, at: str) -> None:
    """No report comes between Shopify's answer and the record."""


async def settled(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator, gid: str
) -> int:
    """Shopify's number once local and Shopify agree and a further push sends nothing."""
    assert (await local_quantities(sessionmaker))[gid] == shopify_quantities(emulator)[gid]
    again = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert again.inventory is not None and again.inventory["sent"] == 0
    return shopify_quantities(emulator)[gid]


async def test_our_own_echo_merged_before_the_record_is_not_counted_twice(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    async def echo(pushed: Pushed, at: str) -> None:
        await pushed.level_event(50, at)

    pushed = await pushed_from_ten_to_fifty(app, sessionmaker, emulator, echo)
    assert (await local_quantities(sessionmaker))[pushed.gid] == 50  # 90 before
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50


async def test_a_sale_after_our_write_merged_before_the_record_is_taken_off_once(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    async def echo_then_sale(pushed: Pushed, at: str) -> None:
        await pushed.level_event(50, at)
        sell(emulator, pushed.gid, 3)
        await pushed.level_event(47, at)

    pushed = await pushed_from_ten_to_fifty(app, sessionmaker, emulator, echo_then_sale)
    assert (await local_quantities(sessionmaker))[pushed.gid] == 47  # 87 before
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 47


async def test_a_product_total_merged_before_the_record_is_not_counted_twice(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    async def sale_then_total(pushed: Pushed, at: str) -> None:
        sell(emulator, pushed.gid, 2)
        await pushed.product_total(48)

    pushed = await pushed_from_ten_to_fifty(app, sessionmaker, emulator, sale_then_total)
    assert (await local_quantities(sessionmaker))[pushed.gid] == 48  # 88 before
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 48


async def test_a_report_of_the_old_number_after_our_write_stands_over_the_record(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """Another app sets 10 back after our write, and its report (Shopify's time after our
    write's) is merged before the record, with nothing to move (the base is 10 already): the
    record does not put our older 50 over it, nor its earlier time. On main local showed 50
    (Shopify 10) until Shopify's next report."""
    later = "2099-01-01T00:00:00Z"

    async def set_back(pushed: Pushed, at: str) -> None:
        sell(emulator, pushed.gid, 40)
        await pushed.level_event(10, later)

    pushed = await pushed_from_ten_to_fifty(app, sessionmaker, emulator, set_back)
    level = await pushed.level()
    assert level.shopify_seen_at is not None
    assert as_utc(level.shopify_seen_at) == datetime.fromisoformat(later)
    assert (level.available, level.shopify_available, level.push_key) == (10, 10, None)
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 10


class ProcessDied(Exception):
    """The pushing process ends after Shopify applied its write, before anything is recorded."""


async def died_after_shopify_applied(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> tuple[Pushed, str]:
    """The push from 10 to 50 whose process ended once Shopify had applied it."""
    died: list[tuple[Pushed, str]] = []

    async def dies(pushed: Pushed, at: str) -> None:
        died.append((pushed, at))
        raise ProcessDied

    with pytest.raises(ProcessDied):
        await pushed_from_ten_to_fifty(app, sessionmaker, emulator, dies)
    [(pushed, at)] = died
    assert shopify_quantities(emulator)[pushed.gid] == 50  # Shopify applied it
    return pushed, at


async def test_our_echo_after_a_push_that_died_is_not_counted_twice(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    pushed, at = await died_after_shopify_applied(app, sessionmaker, emulator)
    await pushed.level_event(50, at)  # our echo, after the process came back
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert shopify_quantities(emulator)[pushed.gid] == 50  # 90 before
    assert (await local_quantities(sessionmaker))[pushed.gid] == 50
    assert (await pushed.level()).push_key is None  # resent once, recorded
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50


async def test_a_kept_write_refused_when_resent_is_let_go(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """The process died after keeping its batch in flight, before the request left, and a sale
    came since: the next push's resend is refused as stale and let go (its mark cleared), and
    the edit is sent over the sale as any pending one."""
    pushed = await pushed_from_ten_to_fifty(app, sessionmaker, emulator, _nothing)
    await set_stock(sessionmaker, pushed.gid, 30)
    level = await pushed.level()
    async with sessionmaker() as session, session.begin():
        # What `_send` keeps before its request: 30 sent from the base 50.
        held = await session.get(InventoryLevel, level.id)
        assert held is not None
        held.push_key, held.push_sent, held.push_from = "inventory-set-never-sent", 30, 50
    sell(emulator, pushed.gid, 1)  # Shopify 49: the kept write is refused as stale
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert (await pushed.level()).push_key is None
    # The edit 50 → 30 applied over the sale: 29.
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 29


async def test_a_write_resent_by_two_pushes_at_once_is_recorded_once(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """Both get Shopify's stored answer; the second to record finds the write recorded (its
    levels no longer marked with its key) and leaves them: recorded again, the base it finds
    (50) would pass for a report and move the intent by 10 - 50."""
    pushed, _ = await died_after_shopify_applied(app, sessionmaker, emulator)
    clients = [make_client(emulator), make_client(emulator)]
    try:
        await asyncio.gather(
            *(InventoryPusher(sessionmaker, client)._resend_in_flight() for client in clients)
        )
    finally:
        for client in clients:
            await client.aclose()
    level = await pushed.level()
    assert (level.available, level.shopify_available, level.push_key) == (50, 50, None)
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50


# A push that died after Shopify applied its write (10 -> 50), with Shopify's idempotency key
# forgotten by the next push: the resend is evaluated anew and refused as stale (Shopify holds
# 50, the resend says from 10). On main each of these ended at 90 in Shopify: our own write
# counted a second time, once merged as a report (50 + (50 - 10)) and pushed.


async def test_our_echo_after_a_push_that_died_is_our_write_even_once_shopify_forgot_its_key(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    pushed, at = await died_after_shopify_applied(app, sessionmaker, emulator)
    await pushed.level_event(50, at)  # our echo: the sent number, the base still 10
    level = await pushed.level()
    assert (level.available, level.shopify_available, level.push_key) == (50, 50, None)
    assert as_utc(level.shopify_seen_at) == datetime.fromisoformat(at)  # Shopify's time
    forget_keys(emulator)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert shopify_quantities(emulator)[pushed.gid] == 50  # 90 on main
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50


async def test_a_product_total_of_our_number_after_a_push_that_died_is_our_write(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    pushed, _ = await died_after_shopify_applied(app, sessionmaker, emulator)
    await pushed.product_total(50)
    assert (await local_quantities(sessionmaker))[pushed.gid] == 50  # 90 on main
    forget_keys(emulator)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50  # 90 on main


async def test_a_pulls_quantity_of_our_number_after_a_push_that_died_is_our_write(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """The pull finds the product's content unchanged and its quantity moved from the last
    report (10): merged as the pull's quantities are (`_merge_moved_quantities`)."""
    pushed, _ = await died_after_shopify_applied(app, sessionmaker, emulator)
    await pull_all(sessionmaker, emulator)
    level = await pushed.level()
    assert (level.available, level.shopify_available, level.push_key) == (50, 50, None)
    forget_keys(emulator)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50  # 90 on main


async def test_a_resend_refused_after_shopify_forgot_its_key_reads_our_write_as_ours(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """No report of it came: the refused resend's re-read (its marks still on) finds our
    number, the base still the one the write was sent from."""
    pushed, _ = await died_after_shopify_applied(app, sessionmaker, emulator)
    forget_keys(emulator)
    report = await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert report.inventory is not None and report.inventory["failed"] == 0
    assert shopify_quantities(emulator)[pushed.gid] == 50
    # On main the base stayed 10 and the write, sent again with the key of the refused
    # resend, was refused for good (IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED) at every push.
    level = await pushed.level()
    assert (level.available, level.shopify_available, level.push_key) == (50, 50, None)
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50


async def test_a_local_edit_after_the_write_is_kept_when_its_echo_is_taken_for_our_write(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """The merchant edits 50 to 55 after the push died; the echo of 50 moves the base only, and
    the edit is pushed from it."""
    pushed, at = await died_after_shopify_applied(app, sessionmaker, emulator)
    await set_stock(sessionmaker, pushed.gid, 55)
    await pushed.level_event(50, at)
    level = await pushed.level()
    assert (level.available, level.shopify_available, level.push_key) == (55, 50, None)
    forget_keys(emulator)
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 55  # 95 on main


async def test_a_sale_after_a_write_that_died_is_merged_and_the_resend_takes_our_write_off(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """A report other than our number while the write is in flight (here a sale after it, 47)
    is merged as any (50 + (47 - 10) = 87, the marks kept); the resend, answered from its key,
    tells that Shopify applied the write, and its record takes it off once (47). As on main."""
    pushed, _ = await died_after_shopify_applied(app, sessionmaker, emulator)
    sell(emulator, pushed.gid, 3)
    await pushed.level_event(47, "2099-01-01T00:00:00Z")
    level = await pushed.level()
    assert (level.available, level.shopify_available) == (87, 47)
    assert level.push_key is not None
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 47


async def test_a_sale_before_our_write_merged_in_flight_is_kept_and_the_edit_sent_over_it(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """Shopify sells 3 (10 -> 7) before our write leaves, and its report comes while the write
    is in flight: merged as any (50 - 3 = 47, the marks kept); Shopify refuses the write as
    stale, the marks go and the edit is sent over the sale: 47. As on main."""
    pushed = await _pushed_with_a_change_before_the_write(app, sessionmaker, emulator, 7)
    assert (await local_quantities(sessionmaker))[pushed.gid] == 47
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 47


async def test_a_foreign_change_to_our_number_before_our_write_leaves_the_store_at_it(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """Another app sets 50 (10 -> 50) before our write leaves, and its report comes while the
    write is in flight: taken for our write (the number we sent, from the base we sent it
    from); Shopify refuses ours as stale, and the store holds the number the merchant asked
    for. On main the report was added to the edit and pushed: 90."""
    pushed = await _pushed_with_a_change_before_the_write(app, sessionmaker, emulator, 50)
    assert (await local_quantities(sessionmaker))[pushed.gid] == 50  # 90 on main
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50


async def _pushed_with_a_change_before_the_write(
    app: FastAPI,
    sessionmaker: async_sessionmaker[AsyncSession],
    emulator: Emulator,
    foreign: int,
) -> Pushed:
    """Shopify holds 10, the merchant edits 50 and pushes; before the request leaves, another
    change in Shopify sets `foreign` and its level event is merged."""
    pushed = await edited_from_ten_to_fifty(app, sessionmaker, emulator)

    async def foreign_change() -> None:
        assert (await pushed.level()).push_key is not None  # in flight
        sell(emulator, pushed.gid, 10 - foreign)
        await pushed.level_event(foreign, "2099-01-01T00:00:00Z")

    await push_with(app, sessionmaker, emulator, lambda c: before_set_quantities(c, foreign_change))
    return pushed


async def test_a_stale_report_of_our_number_is_ignored_and_the_resend_records_our_write(
    app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession], emulator: Emulator
) -> None:
    """A level event of our number dated before the level's last report is stale, as any:
    not merged, the marks kept; the resend (its key remembered) records the write. As on main."""
    pushed, _ = await died_after_shopify_applied(app, sessionmaker, emulator)
    body_at = "2000-01-01T00:00:00Z"
    async with sessionmaker() as session, session.begin():
        outcome = await apply_level_update(
            session,
            {
                "inventory_item_id": int(pushed.item.rsplit("/", 1)[1]),
                "location_id": int(pushed.location.rsplit("/", 1)[1]),
                "available": 50,
                "updated_at": body_at,
            },
        )
    assert outcome == "stale"
    level = await pushed.level()
    assert (level.available, level.shopify_available) == (50, 10)
    assert level.push_key is not None
    await push(sessionmaker, emulator, PushMode.sequential, dialect=dialect_of(app))
    assert await settled(app, sessionmaker, emulator, pushed.gid) == 50
