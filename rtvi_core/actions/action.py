"""``Action``: a named, typed handler for one RTVI ``client-message`` type; ``@action``."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from pydantic import BaseModel, ConfigDict, ValidationError

if TYPE_CHECKING:
    from .context import ActionContext

logger = logging.getLogger("rtvi_core.actions")

#: An action handler: ``async def handler(ctx, args) -> result``.
ActionHandler = Callable[["ActionContext", Any], Awaitable[Any]]

#: Names an LLM accepts for a tool (OpenAI function-name rules).
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class NoConfig(BaseModel):
    """The ``Config`` of an action that takes no bot-file parameters."""

    model_config = ConfigDict(extra="forbid")


class ActionError(Exception):
    """An action request failed; ``str(error)`` is the text sent to the client.

    Raised by :meth:`Action.run` for invalid arguments, a failing handler and a timeout.
    """


@dataclass(frozen=True, eq=False)
class Action:
    """One action: the RTVI ``client-message`` type ``t`` it answers and how.

    Made with :func:`action`. ``PLUGIN_NAME``, ``Config`` and ``DESCRIPTION`` are what
    the plugin registry reads; :meth:`from_config` returns a copy bound to the
    validated bot-file parameters (``config``). Actions compare by identity.
    """

    PLUGIN_NAME: str
    handler: ActionHandler
    args_model: type[BaseModel] | None = None
    timeout_secs: float | None = 10.0
    llm_tool: bool = False
    DESCRIPTION: str = ""
    Config: type[BaseModel] = NoConfig
    config: BaseModel | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.PLUGIN_NAME, str) or not self.PLUGIN_NAME:
            raise ValueError("an action needs a non-empty name")
        if self.llm_tool and not _TOOL_NAME.match(self.PLUGIN_NAME):
            raise ValueError(
                f"action {self.PLUGIN_NAME!r} cannot be an LLM tool: tool names use only "
                "letters, digits, '_' and '-' (at most 64)"
            )
        if self.timeout_secs is not None and self.timeout_secs <= 0:
            raise ValueError(f"action {self.PLUGIN_NAME!r}: timeout_secs must be positive")

    @property
    def name(self) -> str:
        """The ``client-message`` type ``t`` (and tool name) of this action."""
        return self.PLUGIN_NAME

    def from_config(self, config: BaseModel) -> Action:
        """A copy of this action bound to ``config`` (an instance of :attr:`Config`)."""
        return dataclasses.replace(self, config=config)

    def bound_config(self) -> BaseModel:
        """The bound config, or the :attr:`Config` defaults when none was bound.

        Raises :class:`ValueError` if the ``Config`` has required fields and no config
        was bound.
        """
        if self.config is not None:
            return self.config
        try:
            return self.Config()
        except ValidationError as exc:
            raise ValueError(f"action {self.name!r} needs configuration: {_describe(exc)}") from None

    def parse_args(self, data: Any) -> Any:
        """Validate the request data ``d`` against :attr:`args_model`.

        A missing ``d`` counts as ``{}``. Without an ``args_model`` ``d`` is returned
        as is. Raises :class:`ActionError` naming the invalid fields.
        """
        if self.args_model is None:
            return data
        try:
            return self.args_model.model_validate({} if data is None else data)
        except ValidationError as exc:
            raise ActionError(f"Invalid arguments for {self.name!r}: {_describe(exc)}") from None

    async def run(self, ctx: ActionContext, data: Any) -> Any:
        """Validate ``data``, run the handler within the timeout; returns JSON-ready data.

        A pydantic model result is dumped to JSON-compatible data. Raises
        :class:`ActionError` (the message for the client) when the arguments are
        invalid, the handler raises, times out, or returns something that is not JSON.
        The handler's exception is logged here with its traceback; an
        :class:`ActionError` raised by the handler goes to the client unchanged.
        """
        args = self.parse_args(data)
        result = None
        timed_out = False
        try:
            if self.timeout_secs is None:  # no cancel scope to enter: the common quick path
                result = await self.handler(ctx, args)
            else:
                with anyio.move_on_after(self.timeout_secs) as scope:
                    result = await self.handler(ctx, args)
                timed_out = scope.cancelled_caught
        except ActionError:
            raise
        except Exception as exc:
            logger.exception("action %r failed", self.name)
            raise ActionError(f"Action {self.name!r} failed: {exc}") from None
        if timed_out:
            logger.warning("action %r timed out after %s s", self.name, self.timeout_secs)
            raise ActionError(f"Action {self.name!r} timed out after {self.timeout_secs:g} s")
        return _json_ready(self.name, result)


def action(
    name: str,
    *,
    args: type[BaseModel] | None = None,
    timeout_secs: float | None = 10.0,
    llm_tool: bool = False,
    description: str = "",
    config: type[BaseModel] | None = None,
) -> Callable[[ActionHandler], Action]:
    """Decorator making ``async def handler(ctx, args)`` the action ``name``.

    ``args`` is the pydantic model the request data ``d`` is validated against (the
    handler gets the model instance; without it, ``d`` unchanged). The handler's
    return value becomes the ``server-response`` data ``d``. ``timeout_secs`` bounds
    each request (``None``: no limit). ``llm_tool=True`` also offers the action to
    the LLM as a tool whose parameters are ``args``' JSON schema. ``description``
    (default: the handler docstring's first line) is shown to the LLM and in
    ``rtvi plugins``. ``config`` is the model of the action's bot-file parameters
    (read in the handler as ``ctx.config``).
    """

    def decorate(handler: ActionHandler) -> Action:
        doc = (handler.__doc__ or "").strip().splitlines()
        return Action(
            PLUGIN_NAME=name,
            handler=handler,
            args_model=args,
            timeout_secs=timeout_secs,
            llm_tool=llm_tool,
            DESCRIPTION=description or (doc[0].strip() if doc else ""),
            Config=config or NoConfig,
        )

    return decorate


def _describe(exc: ValidationError) -> str:
    """``field.sub: message; other: message`` for a pydantic validation error."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else error["msg"])
    return "; ".join(parts)


def _json_ready(name: str, result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    try:
        msgspec.json.encode(result)
    except (TypeError, msgspec.EncodeError) as exc:
        logger.error("action %r returned data that is not JSON: %s", name, exc)
        raise ActionError(f"Action {name!r} failed: its result is not JSON-serializable") from None
    return result
