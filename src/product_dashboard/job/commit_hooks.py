"""Run callbacks only after a session's transaction commits (never on rollback).

Side effects that others can observe (waking the job runner, publishing an event about a row) must
wait until the row is visible to them, i.e. until the caller's transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

logger = logging.getLogger(__name__)

_KEY = "product_dashboard.on_commit"


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call `callback()` once the current outermost transaction of `session` commits.

    Nothing runs if it rolls back. (A callback added inside a savepoint that is later rolled back
    still runs if the outer transaction commits.)
    """
    sync_session = session.sync_session
    pending: list[Callable[[], None]] | None = sync_session.info.get(_KEY)
    if pending is None:
        pending = sync_session.info[_KEY] = []
        event.listen(sync_session, "after_commit", _run_pending)
        event.listen(sync_session, "after_transaction_end", _discard_pending)
    pending.append(callback)


def _run_pending(sync_session: Session) -> None:
    if sync_session.in_nested_transaction():
        return  # a savepoint was released; the data is not committed yet
    pending: list[Callable[[], None]] = sync_session.info.get(_KEY, [])
    callbacks = list(pending)
    pending.clear()
    for callback in callbacks:
        try:
            callback()
        except (
            Exception
        ):  # the data is committed; a failed side effect must not look like it wasn't
            logger.exception("after-commit callback %r failed", callback)


def _discard_pending(sync_session: Session, transaction: SessionTransaction, *_: Any) -> None:
    if transaction.parent is None:
        sync_session.info.get(_KEY, []).clear()
