"""A progress bar on standard error for long work, shown only to a person at a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, label: str, total: int | None, stream=None):
        self.label, self.total, self.done_units = label, total, 0
        self.stream = stream or sys.stderr
        self.enabled = bool(total) and self.stream.isatty()
        self.started = self.last = time.monotonic()

    def step(self, units: int = 1) -> None:
        self.done_units += units
        now = time.monotonic()
        if self.enabled and self.total and now - self.last >= 0.2:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(1.0, self.done_units / self.total)
        bar = "#" * int(share * 30)
        self.stream.write(f"\r{self.label} [{bar:<30}] {share:6.1%} {now - self.started:6.1f}s")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
