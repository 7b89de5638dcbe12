"""A minimal progress bar on a text stream (stderr), for long simulations."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """Draws ``label [#####.....]  45%  3.2s`` on one line, redrawn in place.

    Call it with the fraction done (0..1); it redraws when the whole percentage changed, at
    most every 0.1 s (and always at 100 %). :meth:`close` draws 100 % and ends the line.

    Args:
        label: Text before the bar.
        stream: Where to draw (stderr).
        width: Characters in the bar.
    """

    def __init__(self, label: str, stream: TextIO, *, width: int = 30) -> None:
        self.label = label
        self.stream = stream
        self.width = width
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._last_percent = -1
        self._closed = False

    def __call__(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, fraction))
        percent = int(fraction * 100)
        now = time.monotonic()
        if percent == self._last_percent or (now - self._last_draw < 0.1 and percent < 100):
            return
        self._draw(fraction, now)

    def _draw(self, fraction: float, now: float) -> None:
        filled = int(fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {int(fraction * 100):3d}%  {now - self._started:.1f}s")
        self.stream.flush()
        self._last_draw = now
        self._last_percent = int(fraction * 100)

    def close(self) -> None:
        """Draw 100 % and end the line (once)."""
        if self._closed:
            return
        self._closed = True
        self._draw(1.0, time.monotonic())
        self.stream.write("\n")
        self.stream.flush()
