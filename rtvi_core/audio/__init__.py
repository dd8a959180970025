"""Audio helpers shared by transports and providers."""

from .resample import StreamResampler, resample_once

__all__ = ["StreamResampler", "resample_once"]
