"""A well-behaved test plugin: an LLM, a processor, a CLI command and lifecycle hooks."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from rtvi_core import FrameProcessor, TextFrame
from rtvi_core.plugins import Component, hookimpl
from rtvi_core.services.llm import LLMService
from rtvi_core.services.llm_context import LLMContext, message_text

__version__ = "1.0.0"

#: ("started" | "ended", session) for each lifecycle hook call, in order.
SESSION_EVENTS: list[tuple[str, Any]] = []


class ShoutLLMService(LLMService, Component):
    """Replies with the user's last message in capitals."""

    PLUGIN_NAME = "shout"
    DESCRIPTION = "Shouts the user's words back"

    class Config(BaseModel):
        model_config = ConfigDict(extra="forbid")
        punctuation: str = "!"

    def __init__(self, *, punctuation: str = "!", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.punctuation = punctuation

    async def generate(self, context: LLMContext) -> AsyncIterator[str]:
        users = [m for m in context.messages if m.get("role") == "user"]
        yield (message_text(users[-1]) if users else "hello").upper() + self.punctuation


class UpperTextProcessor(FrameProcessor, Component):
    """Upper-cases the text of every text frame."""

    PLUGIN_NAME = "upper-text"

    class Config(BaseModel):
        prefix: str = ""  # no explicit ``extra``: the registry makes it forbid unknown keys

    def __init__(self, *, prefix: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prefix = prefix

    async def process_frame(self, frame: Any, direction: Any) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TextFrame):
            frame.text = self.prefix + frame.text.upper()
        await self.push_frame(frame, direction)


class HelloCommand:
    """``rtvi good-hello [WHO]``."""

    name = "good-hello"

    def register(self, subparsers: Any) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(self.name, help="say hello")
        parser.add_argument("who", nargs="?", default="world")
        return parser

    def run(self, args: argparse.Namespace) -> int:
        print(f"hello, {args.who}")
        return 0


@hookimpl
def rtvi_register_llm(register):
    register(ShoutLLMService)


@hookimpl
def rtvi_register_processors(register):
    register(UpperTextProcessor)


@hookimpl
def rtvi_register_cli_commands(register):
    register(HelloCommand())


@hookimpl
def rtvi_session_started(session):
    SESSION_EVENTS.append(("started", session))


@hookimpl
def rtvi_session_ended(session):
    SESSION_EVENTS.append(("ended", session))
