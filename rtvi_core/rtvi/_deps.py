"""The RTVI message model, loaded on first use rather than at ``import rtvi_core``.

It imports msgspec, needed only once a session exchanges RTVI messages. The RTVI
layer's modules import it from here (``from ._deps import rtvi_messages as m``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import LazyModule

if TYPE_CHECKING:
    from . import messages as rtvi_messages
else:
    rtvi_messages = LazyModule("rtvi_core.rtvi.messages")

__all__ = ["rtvi_messages"]
