"""A guarded pull's preview read, kept for the pull that follows it: Shopify read once, not twice.

A pull held by no rule applies what its preview read instead of reading the store again, only
where that is the same as reading again (`PreviewRead.serves`; when in doubt it reads again):

* the preview read exactly what the pull would read: every product (its cursor unset, the pull
  a full one) or those changed since the same cursor (an incremental pull from it), the same
  way (a full pull reads in bulk; an incremental one by pages or in bulk as asked, or as the
  preview chose for `auto`: both ways read the same products);
* the read ended less than `FRESH_FOR` ago in this run of the job. A pull held and approved
  later runs again without it (nothing is kept across a hold or a crash: it lives only in the
  job's handler), so it reads again.

Why that is the same: a pull applies what it reads, whenever read, through `apply.apply_chunk`
(the three-way merge against the catalog as it is when applied: edits made here meanwhile are
kept or open a conflict), and a bulk pull's read is always minutes older than its apply. Only
Shopify's side is older, and the cursor is set from the read's start. An older read would still
be safe, but Shopify's changes would wait longer for the next pull: past `FRESH_FOR`, read again.
A pull stopped or crashed once it applies resumes from its own checkpoint as any pull does (a
bulk read's complete result files, never part of one); one stopped while previewing previews
again (`PullCheckpoint.previewing`).

What is kept, bounded whatever the catalog's size:

* a bulk read: only its export's parts (each part's bulk operation). Their results stay in
  Shopify's result files; the pull collects those operations as a resumed pull does (`engine`:
  a checkpoint naming each part's operation), streaming their files again, so the cursor moves
  to the preview read's start (the first operation's `createdAt`) and deletions compare links
  with our clock before it began (`ExportPart.started_at`): whatever changed in Shopify after
  the read is caught by the next pull, as after any bulk pull. An operation Shopify no longer
  has is exported again.
* a read by pages (a small backlog: pages are sooner only for a few dozen products): the pages
  themselves, up to `KEEP_PAGES_UP_TO` products, else nothing (the pull reads again). The pull
  applies them as it would the pages it reads, moving the cursor to the newest `updatedAt`
  applied, and saves each page's cursor: a resumed pull reads the rest from Shopify.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from product_dashboard.shopify.export import ExportPart
from product_dashboard.sync.pull.source import Page

KEEP_PAGES_UP_TO = 1_000
FRESH_FOR = 300.0  # seconds


@dataclass(slots=True)
class PreviewRead:
    since: datetime | None
    """The pull cursor the preview read from; None: it read every product."""
    source: Literal["pages", "bulk"]
    total: int
    """Products its search matched when it was planned."""
    parts: list[ExportPart] = field(default_factory=list)
    variant_parts: list[ExportPart] = field(default_factory=list)
    pages: list[Page] | None = None
    """A read by pages, when kept (None: too large, the pull reads again)."""
    looked_at: int = 0
    """Products read."""
    ended: float = field(default_factory=time.monotonic)
    """`time.monotonic()` when the read ended."""

    def keep(self, page: Page) -> None:
        if self.pages is None:
            return
        if sum(len(p.products) for p in self.pages) + len(page.products) > KEEP_PAGES_UP_TO:
            self.pages = None
            return
        self.pages.append(page)

    def serves(self, kind: str, since: datetime | None, use_bulk: bool | None) -> bool:
        """Whether applying this read is the same as a pull of `kind` reading from `since`
        (`use_bulk`: how an incremental pull was asked to read)."""
        if time.monotonic() - self.ended > FRESH_FOR:
            return False
        if kind == "full":
            return self.since is None and self.source == "bulk" and self.done
        if since is None or since != self.since:
            return False
        if self.source == "bulk":
            return use_bulk is not False and self.done
        return use_bulk is not True and self.pages is not None

    @property
    def done(self) -> bool:
        """Every part's operation started (and read: the preview read them to their end)."""
        parts = [*self.parts, *self.variant_parts]
        return bool(self.parts) and all(p.operation_id and p.started_at for p in parts)

    def unapplied(self, parts: list[ExportPart]) -> list[ExportPart]:
        """`parts` as the pull starts them: their operations, none of their products applied."""
        return [p.model_copy(update={"applied": 0, "done": False}) for p in parts]
