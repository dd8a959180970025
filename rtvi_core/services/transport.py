"""``BaseTransport``: a connection to one client, as an input and an output processor."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ..events import EventHandlerMixin
from .input_transport import BaseInputTransport
from .output_transport import BaseOutputTransport
from .transport_params import TransportParams


class BaseTransport(EventHandlerMixin, ABC):
    """Holds a transport's two processors: put :meth:`input` at the head of the
    pipeline and :meth:`output` after the TTS.

    Events: ``on_client_connected(transport, client)`` when a client connects and
    ``on_client_disconnected(transport, client)`` when it goes away.
    """

    def __init__(self, params: TransportParams | None = None, *, name: str | None = None) -> None:
        super().__init__()
        self._params = params or TransportParams()
        self._name = name or type(self).__name__
        self._register_event_handler("on_client_connected")
        self._register_event_handler("on_client_disconnected")

    @property
    def params(self) -> TransportParams:
        """The transport's settings."""
        return self._params

    @property
    def name(self) -> str:
        """The transport's name."""
        return self._name

    @abstractmethod
    def input(self) -> BaseInputTransport:
        """The input processor (the same object on every call)."""

    @abstractmethod
    def output(self) -> BaseOutputTransport:
        """The output processor (the same object on every call)."""

    def __str__(self) -> str:
        return self._name
