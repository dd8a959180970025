"""Audio helpers shared by transports and providers."""

from .rate_converter import RateConverter
from .resample import StreamResampler, resample_once

__all__ = ["RateConverter", "StreamResampler", "resample_once"]
