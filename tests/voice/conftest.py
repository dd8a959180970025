"""Speech end-to-end tests: skipped, with the pip command, when a voice plugin or model is missing."""

from __future__ import annotations

from functools import cache

import pytest
from voice_support import missing_voice_stack

_missing = cache(missing_voice_stack)


@pytest.fixture(autouse=True)
def _voice_stack() -> None:
    reason = _missing()
    if reason is not None:
        pytest.skip(f"voice bot unavailable: {reason}")
