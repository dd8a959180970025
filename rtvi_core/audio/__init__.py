"""Audio helpers shared by transports and providers."""

from .input_format import (
    INPUT_SAMPLE_RATES,
    MAX_INPUT_CHANNELS,
    AudioFormatError,
    check_input_format,
)
from .rate_converter import RateConverter
from .realtime_budget import RealtimeBudget
from .resample import StreamResampler, resample_once

__all__ = [
    "INPUT_SAMPLE_RATES",
    "MAX_INPUT_CHANNELS",
    "AudioFormatError",
    "RateConverter",
    "RealtimeBudget",
    "StreamResampler",
    "check_input_format",
    "resample_once",
]
