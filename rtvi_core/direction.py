"""Which way a frame travels."""

import enum


class FrameDirection(enum.Enum):
    """Downstream goes from input towards output; upstream goes back to the source."""

    DOWNSTREAM = 1
    UPSTREAM = 2
