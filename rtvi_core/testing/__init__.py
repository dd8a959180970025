"""Test kit for bots and plugins: run a real bot in memory and talk RTVI to it."""

from .harness import BotHarness, run_bot

__all__ = ["BotHarness", "run_bot"]
