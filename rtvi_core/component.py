"""``Component``: what a class registered through a ``rtvi_register_*`` hook carries.

Plugin authors import it from :mod:`rtvi_core.plugins`; it lives down here, free of
the plugin machinery, so that the built-in components can carry it too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from typing import Self

    from pydantic import BaseModel


class Component:
    """Mixin for anything a plugin registers (transports, services, processors, ...).

    ``PLUGIN_NAME`` names it in bot files (unique per kind: ``"echo"``, ``"memory"``),
    ``Config`` is the pydantic model of its bot-file parameters (``extra="forbid"``),
    ``DESCRIPTION`` a one-line summary for ``rtvi plugins`` and the bot-file schema.
    """

    PLUGIN_NAME: ClassVar[str]
    Config: ClassVar[type[BaseModel]]
    DESCRIPTION: ClassVar[str] = ""

    @classmethod
    def from_config(cls, config: BaseModel) -> Self:
        """An instance built from validated parameters: ``cls(**fields)`` by default.

        Override it when the constructor's arguments differ from the ``Config`` fields.
        """
        return cls(**dict(config))

    def preload(self) -> None:
        """Load what all sessions of this component share (models, voices) now.

        ``rtvi run`` calls it once, on an instance built from the bot file, before it
        starts listening, so the first client does not wait for a model. It may block;
        raise an exception whose message says what to install when something is
        missing. Default: nothing to load.
        """

    @classmethod
    def check_installed(cls) -> None:
        """Raise when what the component needs to run with its default parameters (an
        optional package, a model) is not installed, saying what to install.

        ``rtvi plugins`` shows the exception's message under the component's name. It
        must be cheap: look for modules and files, load nothing. Default: nothing to check.
        """


class LazyConfig:
    """A ``Config`` class attribute resolved on first access, from ``"module:Name"``.

    Lets a component keep its pydantic model in another module, so that importing
    the component for use in code never imports pydantic.
    """

    def __init__(self, target: str) -> None:
        self._target = target
        self._model: type[BaseModel] | None = None

    def __get__(self, instance: Any, owner: type) -> type[BaseModel]:
        if self._model is None:
            module, _, name = self._target.partition(":")
            self._model = getattr(importlib.import_module(module), name)
        return self._model
