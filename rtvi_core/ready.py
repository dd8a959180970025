"""``READY``: an awaitable that is already complete.

``push_frame`` and the base ``process_frame`` return it on their common path, so a
frame that needs no waiting costs no coroutine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Generator


class _Ready:
    """An awaitable that is already complete (no coroutine, no allocation)."""

    __slots__ = ()

    def __await__(self) -> Generator[None, None, None]:
        return _EXHAUSTED


def _finished() -> Generator[None, None, None]:
    yield from ()


# one generator run to its end at import: awaiting it finishes at once, with None
_EXHAUSTED = _finished()
for _ in _EXHAUSTED:
    pass
#: Returned by ``push_frame``/``process_frame`` when there is nothing to wait for.
READY: Awaitable[None] = _Ready()
