"""How many items of a loop go into one block of work, under a byte budget.

The CPU paths of the torch backend and of the layers run large contractions a block of rows
or betas at a time, so that their temporaries stay near a budget (in cache, or at least small
beside the result: fresh grid-sized temporaries cost page faults on every call). One rule for
all of them lives here.
"""

from __future__ import annotations

__all__ = ["items_per_block"]


def items_per_block(n: int, item_bytes: int, budget: int | None) -> int:
    """Items per block: as many of ``n`` items of ``item_bytes`` bytes as fit in ``budget``
    bytes, at least one; all ``n`` when ``budget`` is ``None`` (no limit)."""
    if budget is None:
        return n
    return max(1, min(n, budget // max(1, item_bytes)))
