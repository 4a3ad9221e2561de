"""Helpers shared by the product and collection writers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from graphql import GraphQLError

from shopify_emulator.gid import parse_numeric_gid
from shopify_emulator.models import Media, Metafield, UserError
from shopify_emulator.store import Store

MAX_INPUT_ARRAY = 250


def clean_tags(tags: list[str]) -> list[str]:
    """Trim, drop blanks and case-insensitive duplicates, keep first spelling; Shopify sorts."""
    seen: dict[str, str] = {}
    for tag in tags:
        for piece in tag.split(","):
            cleaned = piece.strip()
            if cleaned and cleaned.lower() not in seen:
                seen[cleaned.lower()] = cleaned
    return sorted(seen.values(), key=str.lower)


def build_metafields(
    store: Store,
    inputs: list[dict[str, Any]],
    existing: list[Metafield],
    now: datetime,
    path: list[str],
    errors: list[UserError],
    code: str | None = None,
) -> list[Metafield]:
    """Metafields from MetafieldInput, keeping ids and timestamps of unchanged ones."""
    by_key = {(m.namespace, m.key): m for m in existing}
    result: list[Metafield] = []
    for index, item in enumerate(inputs):
        namespace = item.get("namespace") or "custom"
        key = item.get("key")
        value = item.get("value")
        if not key or value is None:
            errors.append(
                UserError(
                    [*path, str(index), "key" if not key else "value"],
                    "Key can't be blank" if not key else "Value can't be blank",
                    code,
                )
            )
            continue
        previous = by_key.get((namespace, key))
        mf_type = item.get("type") or (previous.type if previous else "single_line_text_field")
        if previous is not None and previous.value == value and previous.type == mf_type:
            result.append(previous)
        else:
            result.append(
                Metafield(
                    id=previous.id if previous else store.ids.next(),
                    namespace=namespace,
                    key=key,
                    type=mf_type,
                    value=str(value),
                    created_at=previous.created_at if previous else now,
                    updated_at=now,
                )
            )
    return result


def upsert_metafields(
    store: Store,
    inputs: list[dict[str, Any]],
    existing: list[Metafield],
    now: datetime,
    path: list[str],
    errors: list[UserError],
) -> list[Metafield]:
    """productUpdate semantics: given metafields are set, others stay."""
    updated = build_metafields(store, inputs, existing, now, path, errors)
    keys = {(m.namespace, m.key) for m in updated}
    return [m for m in existing if (m.namespace, m.key) not in keys] + updated


def build_media(
    store: Store,
    sources: list[tuple[str, str | None]],
    existing: list[Media],
    now: datetime,
    mime_type: str | None = None,
) -> list[Media]:
    """Media for (url, alt) pairs, reusing records whose source and alt are unchanged."""
    by_url = {m.url: m for m in existing}
    result: list[Media] = []
    for url, alt in sources:
        previous = by_url.get(url)
        if previous is not None and previous.alt == alt:
            result.append(previous)
            continue
        result.append(
            Media(
                id=previous.id if previous else store.ids.next(),
                image_id=previous.image_id if previous else store.ids.next(),
                url=url,
                alt=alt,
                created_at=previous.created_at if previous else now,
                updated_at=now,
                mime_type=mime_type or _mime_for(url),
            )
        )
    return result


def media_from_source(
    store: Store, item: dict[str, Any], now: datetime, path: list[str], errors: list[UserError]
) -> Media | None:
    """A new media from a FileSetInput's `originalSource`: a URL, or a staged upload's
    resourceUrl, which becomes an image holding the uploaded bytes (READY at once here)."""
    source = item["originalSource"]
    try:
        staged = store.staged_source(source) if store.staged_source is not None else None
    except ValueError as error:
        errors.append(UserError([*path, "originalSource"], str(error), "INVALID_INPUT"))
        return None
    if staged is None:
        return build_media(store, [(source, item.get("alt"))], [], now)[0]
    url, mime_type = staged
    media = build_media(store, [(url, item.get("alt"))], [], now, mime_type)[0]
    return replace(media, source_url=source)


def set_media(
    store: Store,
    files: list[dict[str, Any]],
    existing: list[Media],
    now: datetime,
    path: list[str],
    errors: list[UserError],
) -> list[Media]:
    """productSet `files`: the product's media become exactly these, in this order.

    An entry with `id` keeps that media (its alt updated when given); one with `originalSource`
    adds a media from the URL; media not listed are removed (list replacement).
    """
    by_id = {m.id: m for m in existing}
    result: list[Media] = []
    for index, item in enumerate(files):
        if item.get("id"):
            media_id = parse_numeric_gid(item["id"], "MediaImage")
            media = by_id.get(media_id) if media_id is not None else None
            if media is None:
                errors.append(
                    UserError([*path, str(index), "id"], "File does not exist", "NOT_FOUND")
                )
                continue
            if "alt" in item and (item["alt"] or None) != media.alt:
                media = replace(media, alt=item["alt"] or None, updated_at=now)
            result.append(media)
        elif item.get("originalSource"):
            media = media_from_source(store, item, now, [*path, str(index)], errors)
            if media is not None:
                result.append(media)
        else:
            errors.append(
                UserError(
                    [*path, str(index)],
                    "Either id or originalSource is required",
                    "INVALID_INPUT",
                )
            )
    return result


def _mime_for(url: str) -> str:
    lowered = url.lower().split("?", 1)[0]
    for suffix, mime in ((".png", "image/png"), (".gif", "image/gif"), (".webp", "image/webp")):
        if lowered.endswith(suffix):
            return mime
    return "image/jpeg"


def check_input_size(items: list[Any] | None, limit: int = MAX_INPUT_ARRAY) -> None:
    """Shopify rejects input arrays over 250 items with a top-level error."""
    if items is not None and len(items) > limit:
        raise GraphQLError(
            f"The input array size of {len(items)} is greater than the maximum allowed of {limit}.",
            extensions={"code": "MAX_INPUT_SIZE_EXCEEDED"},
        )
