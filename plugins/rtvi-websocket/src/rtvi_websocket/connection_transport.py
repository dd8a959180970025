"""``ConnectionTransport``: a transport the session server binds to one WebSocket connection.

The websocket transport and the phone transports of rtvi-telephony are this: an input and an
output processor over one peer's connection, which the server attaches for the session's life.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

from rtvi_core.services.input_transport import BaseInputTransport
from rtvi_core.services.output_transport import BaseOutputTransport
from rtvi_core.services.transport import BaseTransport
from rtvi_core.services.transport_params import TransportParams

if TYPE_CHECKING:
    from .connection import WebSocketConnection

InputT = TypeVar("InputT", bound=BaseInputTransport)
OutputT = TypeVar("OutputT", bound=BaseOutputTransport)


class ConnectionTransport(BaseTransport, Generic[InputT, OutputT]):
    """A transport over one peer's connection: a subclass builds ``_input`` and ``_output``
    after ``__init__``; the server :meth:`attach`\\ es the connection (None once it is over)."""

    _input: InputT
    _output: OutputT

    def __init__(self, params: TransportParams, *, name: str | None = None) -> None:
        super().__init__(params, name=name)
        self._connection: WebSocketConnection | None = None

    def input(self) -> InputT:
        return self._input

    def output(self) -> OutputT:
        return self._output

    @property
    def connection(self) -> WebSocketConnection | None:
        """The peer's connection (None until the server attaches one)."""
        return self._connection

    def attach(self, connection: WebSocketConnection | None) -> None:
        """Bind this transport to the peer's connection (done by the server; None once the session is over)."""
        self._connection = connection
