"""A level event and the create that links its inventory item see each other's commits.

A level event whose item is not known here is kept as `not_linked`, and the create that links
the item merges it (`inbound.apply_held_updates`; a read that records the item of a variant
already stored: `inbound.apply_held_for_recorded_items`; one whose location is not known, the
refresh that learns it: `inbound.apply_held_at_locations`; each ordered in the same way as a
create).
Without an order between the two, the event could look its variant up before the create
committed while the create looked for held events before the event's mark committed: neither
saw the other, and the event stayed `not_linked` for good. So:

- an event that found nothing calls `await_linking` and looks again;
- a create calls `hold_linking` before it looks for held events, and holds it to its commit.

PostgreSQL: a transaction-scoped advisory lock, shared for events (they never exclude each
other) and exclusive for a create. Whichever takes it first commits before the other's look: a
later event sees the create's rows, a later create the event's mark (a READ COMMITTED statement
reads what was committed when it began). One lock for all items: a pull's chunk takes one lock,
not one per item (thousands would fill the server's lock table), and an event takes it only
once its look-up missed. A create may wait there for events that missed to commit their mark
(a few statements each); an event that missed waits for a create's tail (from its look for held
events to its commit).

SQLite: one writer, but a pysqlite transaction begins at its first write: the event's look-up
ran outside it, and a create could commit between that look-up and the event's mark. The event
now takes the write lock (BEGIN IMMEDIATE) before it looks again; a create holds it already (it
has written its rows).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from product_dashboard.db import begin_writing
from product_dashboard.kit.advisory_lock import lock_until_commit


async def await_linking(session: AsyncSession) -> None:
    """For a level event whose item or location was not found: any linking transaction in
    flight has committed when this returns, and any later one will see this one's mark."""
    await _take(session, shared=True)


async def hold_linking(session: AsyncSession) -> None:
    """For a transaction linking items or locations, before it looks for held level events:
    every level event that missed them meanwhile has committed its mark when this returns,
    and until this transaction commits, none will decide it missed them."""
    await _take(session, shared=False)


async def _take(session: AsyncSession, *, shared: bool) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        await lock_until_commit(session, "inventory:linking", shared=shared)
    elif dialect == "sqlite":
        await session.run_sync(_begin_writing)


def _begin_writing(session: Session) -> None:
    begin_writing(session.connection())
