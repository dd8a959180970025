"""The plugin module the ``rtvi`` entry point names: the ``cartesia`` TTS and its parameters."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from rtvi_core.plugins import hookimpl
from rtvi_core.server.hosts import is_loopback

from .tts import (
    API_VERSION,
    DEFAULT_API_KEY_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_MODEL,
    DEFAULT_VOICE,
    SAMPLE_RATES,
    CartesiaTTSService,
    check_base_url,
)


class CartesiaTTSConfig(BaseModel):
    """Bot-file parameters of :class:`~rtvi_cartesia.tts.CartesiaTTSService`."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = Field(
        None,
        description=f'the API key, e.g. "${{env:MY_CARTESIA_KEY}}"; default: the environment variable {DEFAULT_API_KEY_ENV}',
    )
    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="the API root, without /tts/websocket: Cartesia, a proxy, a regional endpoint or a local test server",
    )
    voice: str = Field(DEFAULT_VOICE, min_length=1, description="the id of a Cartesia voice")
    model: str = Field(DEFAULT_MODEL, min_length=1, description="the Sonic model, e.g. sonic-3")
    language: str | None = Field(
        "en", description="the transcript's language (en, fr, de, ...); empty: the model's default"
    )
    speed: float | None = Field(
        None, ge=0.6, le=1.5, description="speaking speed, 0.6-1.5 (sonic-3); default: the voice's"
    )
    sample_rate: int | None = Field(
        None, description=f"output rate in Hz, one of {', '.join(map(str, SAMPLE_RATES))}; default: the pipeline's"
    )
    cartesia_version: str = Field(API_VERSION, description="the Cartesia-Version header (the API version)")
    timeout_secs: float = Field(10.0, gt=0, description="limit for connecting and for each wait for audio")

    @field_validator("base_url")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        return check_base_url(value)

    @field_validator("sample_rate")
    @classmethod
    def _offered_rate(cls, value: int | None) -> int | None:
        if value is not None and value not in SAMPLE_RATES:
            raise ValueError(f"Cartesia offers {', '.join(map(str, SAMPLE_RATES))} Hz, not {value}")
        return value

    @model_validator(mode="after")
    def _key_is_set(self) -> Self:
        """A missing key is reported by name here (by ``rtvi validate``), not on the first turn."""
        local = is_loopback(urlsplit(self.base_url).hostname or "")
        if self.api_key is None and not os.environ.get(DEFAULT_API_KEY_ENV) and not local:
            raise ValueError(
                f"no Cartesia API key: set the environment variable {DEFAULT_API_KEY_ENV} "
                '(or api_key = "${env:OTHER_VAR}")'
            )
        return self


@hookimpl
def rtvi_register_tts(register: Callable[[type], None]) -> None:
    """Register the ``cartesia`` TTS."""
    register(CartesiaTTSService)
