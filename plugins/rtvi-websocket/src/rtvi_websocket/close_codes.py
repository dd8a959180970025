"""The WebSocket close codes the server uses, and what each one means."""

from __future__ import annotations

from typing import Any

from rtvi_core.server.sessions import run_outcome

#: The session ended normally (the bot ended it, or the client's ``disconnect-bot``).
NORMAL = 1000
#: The server is shutting down (drain deadline reached).
GOING_AWAY = 1001
#: A text message that is not valid UTF-8 (RFC 6455 §8.1).
INVALID_DATA = 1007
#: The client broke a rule: too many messages per second, or too many malformed frames.
POLICY_VIOLATION = 1008
#: A message larger than ``max_message_bytes``.
MESSAGE_TOO_BIG = 1009
#: The session's pipeline failed (a provider did not start, or the run failed), or the
#: client left a keepalive ping unanswered.
INTERNAL_ERROR = 1011
#: No room: ``max_sessions`` reached, or the server is draining. Try again later.
TRY_AGAIN_LATER = 1013
#: Auth is on and the ``?token=`` is missing, invalid, expired or used (Pipecat's runner uses 4003 too).
FORBIDDEN = 4003
#: The client sent nothing for ``idle_timeout_secs``.
IDLE_TIMEOUT = 4008


def end_of_run(task: Any) -> tuple[int, str]:
    """The close code and reason for a session whose pipeline run (a ``PipelineTask``) ended.

    1011 with the error when the run failed (``task.fatal_error``: e.g. a provider that
    did not start), else 1000.
    """
    failed, reason = run_outcome(task)
    return (INTERNAL_ERROR if failed else NORMAL), reason
