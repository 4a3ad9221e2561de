"""Create many products unknown here at once: one INSERT per table for the whole set.

Each product is built and written as `create.create_from_remote` builds and writes one
(`conflict.new_product`, `product.write_rows`: plain rows, no ORM object), so its rows, base,
synced hash and completeness flags are the same; only the checks differ: the handles and Shopify
ids of the whole set are looked up at once.

What cannot be created this way is handed back with nothing written for it: a product that does
not build (invalid here), one whose handle or Shopify id a product here already holds, or one
repeating a handle or id earlier in the set. The caller applies those one by one, the way that
says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlalchemy import bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from product_dashboard.audit.service import Actor
from product_dashboard.conflict.create import create_request
from product_dashboard.conflict.new_product import built_from_remote
from product_dashboard.exceptions import AppError
from product_dashboard.kit.custom_plans import planned_for_its_parameters
from product_dashboard.models import Product
from product_dashboard.product.normalize import FieldErrors, check_handle
from product_dashboard.product.write_rows import Creation, write_new
from product_dashboard.sync.pull.create import PULL_ACTOR
from product_dashboard.sync.pull.source import RemoteProduct


@dataclass(slots=True)
class CreatedSet:
    created: list[tuple[int, RemoteProduct]] = field(default_factory=list)
    """Local product id and the remote product it was made of."""
    handed_back: list[RemoteProduct] = field(default_factory=list)
    """Not created here (nothing written for them): to be applied one by one."""


@dataclass(slots=True)
class _Built:
    remote: RemoteProduct
    creation: Creation


def _build(remote: RemoteProduct) -> _Built:
    """`remote` built as `create_from_remote` builds it, when it names its handle (a free one
    made of the title needs a look-up per product: left to `create_from_remote`)."""
    data = create_request(remote.product)
    if data.handle is None:
        raise ValueError("no handle")
    errors = FieldErrors()
    handle = check_handle(data.handle, errors)
    creation = built_from_remote(remote.product, remote.updated_at, data, handle, errors)
    creation.reported_at = remote.reported_at
    return _Built(remote, creation)


# One statement for every chunk: its lists bound at execution (`in_` of the values themselves
# coerced each of a chunk's ~400 values into the statement every time).
_TAKEN = select(Product.handle, Product.shopify_product_id).where(
    or_(
        Product.handle.in_(bindparam("handles", expanding=True)),
        Product.shopify_product_id.in_(bindparam("shopify_ids", expanding=True)),
    )
)


async def _taken(
    session: AsyncSession, handles: Sequence[str], shopify_ids: Sequence[str]
) -> tuple[set[str], set[str]]:
    """Handles and Shopify ids among these that a product here (deleted or not) holds."""
    async with planned_for_its_parameters(session):
        rows = await session.execute(_TAKEN, {"handles": handles, "shopify_ids": shopify_ids})
    handles_taken: set[str] = set()
    ids_taken: set[str] = set()
    for handle, shopify_id in rows:
        handles_taken.add(handle)
        if shopify_id:
            ids_taken.add(shopify_id)
    return handles_taken, ids_taken


async def create_set(
    session: AsyncSession,
    remotes: Sequence[RemoteProduct],
    actor: Actor = PULL_ACTOR,
) -> CreatedSet:
    """Create the products of `remotes` unknown here, table by table; never commits."""
    result = CreatedSet()
    built: list[_Built] = []
    for remote in remotes:
        try:
            built.append(_build(remote))
        except (AppError, ValidationError, ValueError, KeyError):
            result.handed_back.append(remote)  # applied alone, it says why
    handles_taken, ids_taken = await _taken(
        session,
        [b.creation.product.handle for b in built],
        [b.remote.shopify_id for b in built if b.remote.shopify_id],
    )
    chosen: list[_Built] = []
    for one in built:
        handle, shopify_id = one.creation.product.handle, one.remote.shopify_id
        if handle in handles_taken or not shopify_id or shopify_id in ids_taken:
            result.handed_back.append(one.remote)
            continue
        handles_taken.add(handle)
        ids_taken.add(shopify_id)
        chosen.append(one)
    if chosen:
        ids = await write_new(session, [one.creation for one in chosen], actor)
        result.created = list(zip(ids, (one.remote for one in chosen), strict=True))
    return result


__all__ = ["CreatedSet", "create_set"]
