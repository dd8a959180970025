"""Console mode: the terminal is the RTVI client of one session on the memory transport.

Each line typed is sent as ``send-text``; the bot's reply is printed as it streams
(``bot-llm-text``). ``/send TYPE [JSON]`` sends a ``client-message`` (to try an
action) and prints the answer; ``/quit`` (or end of input) ends the session with
``disconnect-bot``. With ``show_events`` every RTVI message from the bot is printed.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import threading
from typing import Any, TextIO

import anyio
import anyio.from_thread
import anyio.lowlevel

from ..builtins.memory_transport import MemoryClient
from ..config.builder import BotSession
from ..runner import PipelineRunner

#: How long to wait for the bot's answer before reading the next line anyway.
TURN_TIMEOUT_SECS = 30.0
HELP = "Type a message and press Enter. /send TYPE [JSON] sends a client-message; /quit ends."
QUIT_COMMANDS = ("/quit", "/exit")
_CLIENT_READY_ID = "console-ready"


class Console:
    """Drives one session's memory client from text lines and prints what the bot says."""

    def __init__(
        self,
        session: BotSession,
        *,
        show_events: bool = False,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.session = session
        self.client: MemoryClient = session.transport.client  # type: ignore[attr-defined]
        self.show_events = show_events
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self._prompt = "you> " if self.stdin.isatty() else ""
        self._ids = itertools.count(1)

    async def run(self, *, handle_sigint: bool = True) -> None:
        """Run the session until the user quits (or the bot ends it)."""
        self._print(HELP)
        async with anyio.create_task_group() as group:
            group.start_soon(self._show)
            group.start_soon(self._chat)
            await PipelineRunner(handle_sigint=handle_sigint).run(self.session.task)
            group.cancel_scope.cancel()

    # -- sending ------------------------------------------------------------------------

    async def _chat(self) -> None:
        send, lines = anyio.create_memory_object_stream[str | None](math.inf)
        token = anyio.lowlevel.current_token()
        threading.Thread(target=self._read_lines, args=(send, token), daemon=True).start()
        await self.client.connect()
        turn = self._turns()
        await self._send(
            "client-ready", {"version": "2.1.0", "about": {"library": "rtvi console"}}, msg_id=_CLIENT_READY_ID
        )
        if self.session.config.model.bot.speak_first:
            await self._wait_turn(turn, _CLIENT_READY_ID)
        async for line in lines:
            text = (line or "").strip()
            if line is None or text in QUIT_COMMANDS:
                await self._send("disconnect-bot", {})
                return
            if not text:
                continue
            if text == "/help":
                self._print(HELP)
            elif text.startswith("/send"):
                await self._send_client_message(text)
            else:
                turn = self._turns()
                await self._wait_turn(turn, await self._send("send-text", {"content": text}))

    async def _send_client_message(self, text: str) -> None:
        parts = text.split(None, 2)
        if len(parts) < 2:
            self._print("usage: /send TYPE [JSON]")
            return
        try:
            data = json.loads(parts[2]) if len(parts) > 2 else None
        except json.JSONDecodeError as exc:
            self._print(f"invalid JSON: {exc}")
            return
        msg_id = await self._send("client-message", {"t": parts[1], "d": data})
        reply = await self._reply(msg_id)
        if reply is not None and not self.show_events:
            self._print(f"[{reply['type']}] {json.dumps(reply.get('data'))}")

    async def _send(self, msg_type: str, data: Any, *, msg_id: str | None = None) -> str:
        msg_id = msg_id or f"console-{next(self._ids)}"
        await self.client.send_message({"label": "rtvi-ai", "type": msg_type, "id": msg_id, "data": data})
        return msg_id

    def _read_lines(self, send: Any, token: Any) -> None:
        """Reader thread: hands each stdin line (then None at end of input) to the loop."""
        try:
            for line in iter(self.stdin.readline, ""):
                anyio.from_thread.run_sync(send.send_nowait, line, token=token)
                if line.strip() in QUIT_COMMANDS:
                    return
            anyio.from_thread.run_sync(send.send_nowait, None, token=token)
        except Exception:  # the session (and its loop) has ended
            return

    # -- waiting ------------------------------------------------------------------------

    def _turns(self) -> int:
        return len(self.client.messages_of("bot-llm-stopped"))

    async def _wait_turn(self, turns_before: int, msg_id: str) -> None:
        """Wait until the bot finished a reply, answered ``msg_id`` with an error, or left."""

        def done() -> bool | None:
            if self.client.closed or self._turns() > turns_before:
                return True
            if any(m.get("id") == msg_id for m in self.client.messages_of("error-response")):
                return True
            return None

        with anyio.move_on_after(TURN_TIMEOUT_SECS):
            await self.client.wait_for(done, timeout=math.inf)

    async def _reply(self, msg_id: str) -> dict[str, Any] | None:
        def find() -> dict[str, Any] | None:
            message: dict[str, Any]  # the client's messages are JSON objects
            for message in self.client.messages:
                if message.get("type") in ("server-response", "error-response") and message.get("id") == msg_id:
                    return message
            return None

        with anyio.move_on_after(TURN_TIMEOUT_SECS):
            return await self.client.wait_for(find, timeout=math.inf)
        self._print(f"(no answer to {msg_id} within {TURN_TIMEOUT_SECS:g} s)")
        return None

    # -- printing -----------------------------------------------------------------------

    async def _show(self) -> None:
        """Print the bot's words as they stream in (and every message with ``show_events``)."""
        seen = 0
        client = self.client
        while True:
            await client.wait_for(
                lambda: True if len(client.messages) > seen or client.closed else None,  # noqa: B023 (used at once)
                timeout=math.inf,
            )
            if len(client.messages) == seen:
                return
            message = client.messages[seen]
            seen += 1
            if self.show_events:
                self._print(f"<- {json.dumps(message)}")
                continue
            kind = message.get("type")
            if kind == "bot-llm-started":
                self._write("bot> ")
            elif kind == "bot-llm-text":
                self._write(message["data"]["text"])
            elif kind == "bot-llm-stopped":
                self._write("\n" + self._prompt)
            elif kind == "error":
                self._print(f"[error] {message['data']['error']}")

    def _write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _print(self, text: str) -> None:
        self._write(text + "\n")
