"""``PipelineParams``: settings of one pipeline run."""

from __future__ import annotations

from typing import Any

from .records import field, record


@record(eq=True)
class PipelineParams:
    """Settings carried to every processor in the run's StartFrame.

    ``allow_interruptions``: user speech and ``send-text`` interrupt the bot.
    ``enable_metrics`` / ``enable_usage_metrics``: services report timing / usage.
    ``send_initial_empty_metrics``: with metrics on, send one all-zero report at start.
    ``start_timeout_secs``: how long every processor's ``start()`` may take, together;
    a start that takes longer is a fatal error naming the processor.
    ``cancel_timeout_secs``: how long ending a run may take, from :meth:`PipelineTask.cancel`
    (or the end of the run) to :meth:`PipelineTask.run` returning; what has not stopped
    by then is logged and left behind.
    """

    allow_interruptions: bool = True
    audio_in_sample_rate: int = 16000
    audio_out_sample_rate: int = 24000
    enable_metrics: bool = False
    enable_usage_metrics: bool = False
    report_only_initial_ttfb: bool = False
    send_initial_empty_metrics: bool = True
    start_timeout_secs: float = 10.0
    cancel_timeout_secs: float = 20.0
    start_metadata: dict[str, Any] = field(default_factory=dict)
