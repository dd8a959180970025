"""Modules the runtime loads on first use rather than at ``import rtvi_core``.

``anyio`` is needed once a pipeline runs; the RTVI message model (and with it msgspec)
once a session exchanges RTVI messages. Import them from here in runtime modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import LazyModule

if TYPE_CHECKING:
    import anyio

    from .rtvi import messages as rtvi_messages
else:
    anyio = LazyModule("anyio")
    rtvi_messages = LazyModule("rtvi_core.rtvi.messages")

__all__ = ["anyio", "rtvi_messages"]
