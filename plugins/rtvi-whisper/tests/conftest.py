"""Shared fixtures: async tests on asyncio; the real tiny.en model (skipped without it)."""

import pytest
from rtvi_whisper.locate import MODEL_PACKAGES, WhisperModelError, locate_model


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tiny_en() -> str:
    """The packaged tiny.en model's name; skips the test when the package is missing."""
    try:
        locate_model("tiny.en")
    except WhisperModelError:
        pytest.skip(f"tiny.en is not installed: {MODEL_PACKAGES['tiny.en'].install}")
    return "tiny.en"
