"""What the ``rtvi`` entry point ``cluster`` loads: ``[cluster] use = "redis"`` and ``rtvi gateway``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rtvi_core.plugins import hookimpl

from .dispatch import SECRET_VARIABLE
from .gateway_cmd import GatewayCommand
from .keys import check_name
from .member import RedisCluster
from .store import check_redis_url


class RedisClusterConfig(BaseModel):
    """Bot-file parameters of ``[cluster] use = "redis"`` (``rtvi run --cluster URL`` sets ``redis_url``);
    also the gateway's, from its flags."""

    model_config = ConfigDict(extra="forbid")

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="the cluster's Redis (or Valkey): redis://HOST:6379/0, rediss://, unix://",
    )
    name: str = Field(
        default="default", description="the cluster's name: workers and gateways of one name share their slots"
    )
    secret: str = Field(
        default="",
        validate_default=True,
        description=f"the token secret every worker and gateway of the cluster shares (>= 16 bytes); "
        f"unset: ${SECRET_VARIABLE}",
    )
    heartbeat_ttl_secs: float = Field(
        default=5.0, ge=1, le=300, description="a worker that stops heartbeating is out of the cluster after this long"
    )
    token_ttl_secs: float = Field(
        default=30.0, gt=0, le=3600, description="how long a /start token, and the slot reserved for it, is held"
    )
    redis_timeout_secs: float = Field(default=2.0, gt=0, le=60, description="how long a Redis call may take")

    @field_validator("redis_url")
    @classmethod
    def _is_redis_url(cls, url: str) -> str:
        return check_redis_url(url)

    @field_validator("name")
    @classmethod
    def _is_name(cls, name: str) -> str:
        return check_name(name)

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, secret: str) -> str:
        secret = secret or os.environ.get(SECRET_VARIABLE, "")
        if not secret:
            raise ValueError(
                f"the cluster needs its token secret (the same on every worker and gateway, >= 16 bytes): "
                f"set [cluster] secret or ${SECRET_VARIABLE}"
            )
        if len(secret.encode()) < 16:
            raise ValueError("the cluster secret must be at least 16 bytes long")
        return secret


@hookimpl
def rtvi_register_clusters(register: Callable[[Any], None]) -> None:
    """Register ``[cluster] use = "redis"``."""
    register(RedisCluster)


@hookimpl
def rtvi_register_cli_commands(register: Callable[[Any], None]) -> None:
    """Register ``rtvi gateway``."""
    register(GatewayCommand())
