"""Named event handlers: ``@obj.event_handler("on_something")``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runtime import TaskRuntime

logger = logging.getLogger("rtvi_core.events")

Handler = Callable[..., Any]


class EventHandlerMixin:
    """Lets users attach handlers to an object's named events.

    Subclasses declare their events with :meth:`_register_event_handler`; users attach
    handlers with the :meth:`event_handler` decorator. Handlers receive the object
    first, then the event's arguments, and may be sync or async.
    """

    def __init__(self) -> None:
        self._event_handlers: dict[str, list[Handler]] = {}
        self._event_runtime: TaskRuntime | None = None  # set while a task runs

    def _register_event_handler(self, event_name: str) -> None:
        """Declare an event this object fires."""
        self._event_handlers.setdefault(event_name, [])

    def event_handler(self, event_name: str) -> Callable[[Handler], Handler]:
        """Decorator attaching ``handler`` to ``event_name``."""

        def decorator(handler: Handler) -> Handler:
            self.add_event_handler(event_name, handler)
            return handler

        return decorator

    def add_event_handler(self, event_name: str, handler: Handler) -> None:
        """Attach ``handler`` to ``event_name``; unknown event names are an error."""
        if event_name not in self._event_handlers:
            known = ", ".join(sorted(self._event_handlers)) or "none"
            raise ValueError(f"{type(self).__name__} has no event {event_name!r} (known events: {known})")
        self._event_handlers[event_name].append(handler)

    def has_event_handlers(self, event_name: str) -> bool:
        """True when at least one handler is attached to ``event_name``."""
        return bool(self._event_handlers.get(event_name))

    async def _call_event_handler(self, event_name: str, *args: Any) -> None:
        """Run the handlers of ``event_name`` one after another, in this task."""
        for handler in self._event_handlers.get(event_name, ()):
            await self._run_handler(event_name, handler, args)

    def _fire_event_handler(self, event_name: str, *args: Any) -> None:
        """Start the handlers of ``event_name`` as independent tasks."""
        handlers = self._event_handlers.get(event_name)
        if not handlers:
            return
        runtime = self._event_runtime
        if runtime is None:
            raise RuntimeError(f"{self}: cannot fire {event_name!r} before the task runs")
        for handler in handlers:
            runtime.spawn(self._run_handler, event_name, handler, args)

    async def _run_handler(self, event_name: str, handler: Handler, args: tuple[Any, ...]) -> None:
        try:
            result = handler(self, *args)
            if hasattr(result, "__await__"):
                await result
        except Exception:
            logger.exception("%s: handler %r for %s failed", self, handler, event_name)
