"""``Pipeline``: a linear chain of processors (pipelines nest)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from .processor import FrameProcessor


class Pipeline(FrameProcessor):
    """Processors linked in order: frames flow downstream from first to last.

    A pipeline inside a pipeline is expanded when the chain is built, so nesting
    costs no extra hop per frame.
    """

    def __init__(self, processors: Iterable[FrameProcessor], *, name: str | None = None) -> None:
        super().__init__(name=name)
        self._processors = list(processors)
        for processor in self._processors:
            if not isinstance(processor, FrameProcessor):
                raise TypeError(f"Pipeline items must be FrameProcessor instances, got {processor!r}")
        leaves = self.processors_flat()
        if len({id(p) for p in leaves}) != len(leaves):
            raise ValueError("a processor appears more than once in the pipeline")
        for upstream, downstream in itertools.pairwise(leaves):
            upstream.link(downstream)

    @property
    def processors(self) -> list[FrameProcessor]:
        """The processors given to this pipeline (nested pipelines not expanded)."""
        return list(self._processors)

    def processors_flat(self) -> list[FrameProcessor]:
        """Every leaf processor, nested pipelines expanded, in order."""
        leaves: list[FrameProcessor] = []
        for processor in self._processors:
            leaves.extend(processor.processors_flat())
        return leaves

    def processors_with_metrics(self) -> list[FrameProcessor]:
        """The leaf processors that report metrics."""
        return [p for p in self.processors_flat() if p.can_generate_metrics()]
