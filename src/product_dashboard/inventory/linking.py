"""A level event and the create that links its inventory item see each other's commits.

A level event whose item is not known here is kept as `not_linked`, and the create that links
the item merges it (`inbound.apply_held_updates`; a read that records the item of a variant
already stored: `inbound.apply_held_for_recorded_items`; one whose location is not known, the
refresh that learns it: `inbound.apply_held_at_locations`; each ordered in the same way as a
create).
Without an order between the two, the event could look its variant up before the create
committed while the create looked for held events before the event's mark committed: neither
saw the other, and the event stayed `not_linked` for good. So:

- an event that found nothing looks again once linking transactions in flight have committed
  (`look_again`);
- a create calls `hold_linking` before it looks for held events, and holds it to its commit.

PostgreSQL: a transaction-scoped advisory lock, shared for events (they never exclude each
other) and exclusive for a create. Whichever takes it first commits before the other's look: a
later event sees the create's rows, a later create the event's mark (a READ COMMITTED statement
reads what was committed when it began). One lock for all items: a pull's chunk takes one lock,
not one per item (thousands would fill the server's lock table), and an event takes it only
once its look-up missed. A create may wait there for events that missed to commit their mark
(a few statements each); an event that missed waits for a create's tail (from its look for held
events to its commit). An event that finds its item and location on the second look lets go of
the lock at once (it was taken in a savepoint, rolled back): it then merges, and needs no order
against a create; holding the lock while it waits for rows another transaction holds could
deadlock with that transaction waiting for the exclusive lock (a webhook batch that merged the
event's product, then creates or records items). An event holding the lock writes nothing but
its own mark, so it never waits for a create's rows.

SQLite: one writer, but a pysqlite transaction begins at its first write: the event's look-up
ran outside it, and a create could commit between that look-up and the event's mark. The event
now takes the write lock (BEGIN IMMEDIATE) before it looks again; a create holds it already (it
has written its rows).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.db import begin_writing
from product_dashboard.kit.advisory_lock import lock_until_commit

Found = TypeVar("Found")


async def look_again(
    session: AsyncSession, look: Callable[[], Awaitable[Found | None]]
) -> Found | None:
    """For a level event whose item or location was not found: `look` again, once any linking
    transaction in flight has committed; when it still finds nothing, no later linking
    transaction begins its look for held events before this one's mark has committed."""
    if session.get_bind().dialect.name != "postgresql":
        await _take(session, shared=True)
        return await look()
    savepoint = await session.begin_nested()
    await _take(session, shared=True)
    found = await look()
    if found is None:
        await savepoint.commit()  # the lock is the transaction's now, until its commit
    else:
        await savepoint.rollback()  # lets go of it: the event merges (module notes)
    return found


async def look_again_to_mark(session: AsyncSession, look: Callable[[], Awaitable[Found]]) -> Found:
    """`look_again` for many level events at once, in a transaction that writes nothing but
    their marks: the linking lock is taken before the look and held to its commit, whatever
    it finds (those found are applied in a transaction of their own)."""
    await _take(session, shared=True)
    return await look()


async def hold_linking(session: AsyncSession) -> None:
    """For a transaction linking items or locations, before it looks for held level events:
    every level event that missed them meanwhile has committed its mark when this returns,
    and until this transaction commits, none will decide it missed them."""
    await _take(session, shared=False)


async def _take(session: AsyncSession, *, shared: bool) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await lock_until_commit(session, "inventory:linking", shared=shared)
    else:
        await begin_writing_now(session)


async def begin_writing_now(session: AsyncSession) -> None:
    """SQLite: this transaction holds the write lock from now on (`db.begin_writing`); nothing
    elsewhere (no statement)."""
    if session.get_bind().dialect.name == "sqlite":
        await session.run_sync(lambda sync: begin_writing(sync.connection()))
