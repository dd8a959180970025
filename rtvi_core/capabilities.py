"""``BotCapabilities``: what the bot does in a session, sent in ``bot-ready`` (protocol 2.2.0)."""

from __future__ import annotations

import msgspec


class BotCapabilities(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """The media a bot receives and sends, and whether it reports metrics.

    ``None`` means unknown (the field is left out on the wire: a client keeps its
    default); ``False`` that the bot does not do it, so a client can hide that UI.
    A :class:`~rtvi_core.PipelineTask` derives them from its transports and its
    ``enable_metrics`` (see ``PipelineTask.capabilities``).
    """

    audio_in: bool | None = None
    audio_out: bool | None = None
    video_in: bool | None = None
    screen_in: bool | None = None
    video_out: bool | None = None
    metrics: bool | None = None

    def combine(self, other: BotCapabilities) -> BotCapabilities:
        """Two parts of one bot: True if either is True, else False if either is False, else None."""
        values = {}
        for name in self.__struct_fields__:
            known = [v for v in (getattr(self, name), getattr(other, name)) if v is not None]
            values[name] = any(known) if known else None
        return BotCapabilities(**values)

    def override(self, other: BotCapabilities) -> BotCapabilities:
        """These capabilities with the fields ``other`` knows (not None) replaced."""
        known = {name: getattr(other, name) for name in other.__struct_fields__}
        return msgspec.structs.replace(self, **{k: v for k, v in known.items() if v is not None})
