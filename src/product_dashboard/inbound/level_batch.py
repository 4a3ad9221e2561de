"""A claimed batch's `inventory_levels/update` events applied together, in one transaction.

Their variants (by inventory item) and locations are looked up at once, their products held
at once, their levels loaded at once and merged in arrival order, each by the rule and with the
stamps it meets alone (`inventory.inbound.apply_level_updates`: a report older than its level's
last one is stale, a report of a push's number is that push's echo), written by one flush; the
totals of the variants merged are recomputed once, and the events finished in the same
transaction. The one-by-one path is this path with one event (`apply_level_update`), so the
rule is one function and the outcomes are the same.

Every report of a level is merged, in arrival order, as one by one: Shopify's order comes from
the stamps (a report older than the level's last is stale, recorded so). Merging only the
newest would not be the same: an echo of our push between two reports, or a local edit
pending, moves the intent by each report in turn, and each event's outcome is recorded.

An event whose item or location is not found is looked for again as alone it would be
(`inventory.linking`): all such events of the share at once, in a second transaction that takes
the linking lock before its look and writes nothing but their marks (never holding the lock
while it waits for products' rows, which could deadlock with a create); those still not found
are held as `not_linked`, those found now go the one-by-one way. Not when the batch's one-by-one
part holds a product create or update (it may link their items): then they go that way, in
arrival order, as before.

Left to the one-by-one path, in arrival order (the processor's `alone`):
- an event about a variant of a product that has an event of its own in the batch's one-by-one
  part (a deletion, a product update applied alone, or a product update whose batch failed):
  the processor applies the batch's product updates together first, then these level events,
  then the one-by-one part. Alone, a level event arriving after its product's deletion finds
  nothing to merge into, and one arriving before it merges first: leaving them all to the
  one-by-one part keeps arrival order among them;
- an unreadable body (not matched here: alone it fails, saying why);
- every later event of a level one of those is about, so a level's events keep their order;
- the rest of the share when the share's transaction fails (the processor then processes
  each alone: one bad event costs only itself, its reason recorded).

The batch's product updates applied together come before these, as they come before every
event of the batch processed alone: the one-by-one path saw them applied too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.inbound.handlers import Handled, handled_level
from product_dashboard.inbound.repository import WebhookEventRepository
from product_dashboard.inventory.inbound import LevelUpdate, apply_level_updates, mark_unlinked
from product_dashboard.models import WebhookEvent

LevelKey = tuple[str, str]
"""A level by Shopify's ids: (inventory item gid, location gid)."""


@dataclass(frozen=True, slots=True)
class LevelEvent:
    event: WebhookEvent
    update: LevelUpdate

    @property
    def key(self) -> LevelKey:
        return self.update.item_gid, self.update.location_gid


@dataclass(slots=True)
class LevelsApplied:
    done: list[tuple[WebhookEvent, Handled]] = field(default_factory=list)
    """Finished in the transaction."""
    left: list[LevelEvent] = field(default_factory=list)
    """For the one-by-one path (module notes)."""
    not_found: list[LevelEvent] = field(default_factory=list)
    """Their item or location not found: for `mark_together`, or the one-by-one path."""


async def apply_levels_together(
    session: AsyncSession, levels: Sequence[LevelEvent], leave: Collection[str] = ()
) -> LevelsApplied:
    """Apply and finish these level events (arrival order) in the session's transaction, but
    those left to the one-by-one path and those not found; `leave`: Shopify ids of products
    with an event in it."""
    applied = await apply_level_updates(session, [level.update for level in levels], leave=leave)
    result = LevelsApplied(not_found=[levels[k] for k in applied.not_found])
    not_found = set(applied.not_found)
    # A level's events are left all or none (one look-up answers for all of them), save one
    # saying no number: alone too it writes nothing and is `not_linked`.
    for k, (level, outcome) in enumerate(zip(levels, applied.outcomes, strict=True)):
        if outcome is not None:
            result.done.append((level.event, handled_level(outcome)))
        elif k not in not_found:
            result.left.append(level)
    await _finish(session, result.done)
    return result


async def mark_together(session: AsyncSession, levels: Sequence[LevelEvent]) -> LevelsApplied:
    """Level events whose item or location the batch did not find: looked for again at once,
    as each alone looks again (`mark_unlinked`), in a transaction of their own that writes only
    their marks; those still not found finished as `not_linked` (held), those found now left to
    the one-by-one path."""
    outcomes = await mark_unlinked(session, [level.update for level in levels])
    result = LevelsApplied()
    for level, outcome in zip(levels, outcomes, strict=True):
        if outcome is None:
            result.left.append(level)
        else:
            result.done.append((level.event, handled_level(outcome)))
    await _finish(session, result.done)
    return result


async def _finish(session: AsyncSession, done: Sequence[tuple[WebhookEvent, Handled]]) -> None:
    await WebhookEventRepository(session).finish_many(
        [(event.id, handled.state, handled.outcome) for event, handled in done]
    )


def share_of(
    levels: Sequence[LevelEvent], size: int, left_keys: Collection[LevelKey]
) -> tuple[list[LevelEvent], list[LevelEvent], list[LevelEvent]]:
    """The next transaction's share of `levels` (up to `size` events not about a level in
    `left_keys`), those skipped for being about one (to the one-by-one path), and the rest."""
    share: list[LevelEvent] = []
    skipped: list[LevelEvent] = []
    k = 0
    while k < len(levels) and len(share) < size:
        (skipped if levels[k].key in left_keys else share).append(levels[k])
        k += 1
    return share, skipped, list(levels[k:])
