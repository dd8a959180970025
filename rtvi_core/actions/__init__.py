"""Custom actions: typed handlers for RTVI ``client-message`` requests.

Write one with :func:`action`, answer a session's requests with
:class:`ActionDispatcher` (``dispatcher.attach(task)``), ship it in a plugin through
the ``rtvi_register_actions`` hook or load it from a project module with
:func:`load_local_actions`. See ``docs/writing-an-action.md``.
"""

from .action import Action, ActionError, ActionHandler, NoConfig, action
from .context import ActionContext
from .dispatcher import ActionDispatcher, unknown_type_error
from .local import ActionLoadError, load_local_actions
from .tools import tool_schema

__all__ = [
    "Action",
    "ActionContext",
    "ActionDispatcher",
    "ActionError",
    "ActionHandler",
    "ActionLoadError",
    "NoConfig",
    "action",
    "load_local_actions",
    "tool_schema",
    "unknown_type_error",
]
