"""Bot files: TOML that names components by plugin and sets their parameters.

* :func:`load_bot_file` → :class:`BotConfig` (or :class:`BotFileError` with every problem);
* :func:`build_session` → :class:`BotSession`, one pipeline per session;
* :func:`build_schema` → the JSON Schema of bot files for the installed plugins;
* :func:`model_from_record` → the bot-file model of a runtime ``@record`` settings class.

See ``docs/bot-file.md`` for the file format. Names load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

_EXPORTS = {
    "BotFile": ".model",
    "BotConfig": ".loader",
    "ComponentSpec": ".loader",
    "load_bot_file": ".loader",
    "load_bot_text": ".loader",
    "BotFileError": ".errors",
    "ConfigIssue": ".errors",
    "BotSession": ".builder",
    "build_session": ".builder",
    "build_schema": ".schema",
    "StrictModel": "..record_model",
    "model_from_record": "..record_model",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, globals())

if TYPE_CHECKING:
    from ..record_model import StrictModel as StrictModel
    from ..record_model import model_from_record as model_from_record
    from .builder import BotSession as BotSession
    from .builder import build_session as build_session
    from .errors import BotFileError as BotFileError
    from .errors import ConfigIssue as ConfigIssue
    from .loader import BotConfig as BotConfig
    from .loader import ComponentSpec as ComponentSpec
    from .loader import load_bot_file as load_bot_file
    from .loader import load_bot_text as load_bot_text
    from .model import BotFile as BotFile
    from .schema import build_schema as build_schema
