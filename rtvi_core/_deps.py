"""Modules the runtime loads on first use rather than at ``import rtvi_core``.

``anyio`` is needed once a pipeline runs; import it from here in runtime modules.
(The RTVI message model, loaded the same way, is in :mod:`rtvi_core.rtvi._deps`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import LazyModule

if TYPE_CHECKING:
    import anyio
else:
    anyio = LazyModule("anyio")

__all__ = ["anyio"]
