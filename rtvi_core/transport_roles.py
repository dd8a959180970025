"""Transport roles, as markers that any layer can test for.

:class:`~rtvi_core.services.BaseOutputTransport` takes the output role. Code below
the services that must recognise the output transport among the processors tests
for the role instead of the class: the RTVI observer reports bot text only when the
output releases it, without :mod:`rtvi_core.rtvi` importing :mod:`rtvi_core.services`.
"""

from __future__ import annotations


class OutputTransportRole:
    """Where the bot's audio and messages leave for the client, paced at playback."""

    __slots__ = ()
