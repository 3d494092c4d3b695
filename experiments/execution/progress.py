"""Progress of a long job, on standard error: a bar on a terminal, plain lines otherwise.

A bar (tqdm) redraws one line and is unreadable in a log file or a CI job; when standard
error is not a terminal, :class:`Progress` prints a plain line at the first step, then at
most every ``every`` seconds, and at the end.
"""

from __future__ import annotations

import sys
import time


class Progress:
    """Count finished steps of a job of ``total`` steps and show how far it is.

    Args:
        total: Number of steps (runs, months).
        desc: What is being done, shown in front (``"compare"``).
        unit: Name of one step (``"run"``, ``"month"``).
        enabled: False shows nothing (library calls from a notebook, tests).
        every: Seconds between plain lines when standard error is not a terminal.
        file: Stream to write to (standard error by default).

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> bar = Progress(2, "compare", "run", file=out)
        >>> bar.update(); bar.update(failed=1); bar.close()
        >>> out.getvalue().splitlines()[-1].startswith("compare: 2/2 runs (1 failed)")
        True
    """

    def __init__(
        self, total: int, desc: str, unit: str, enabled: bool = True, every: float = 10.0, file=None
    ):
        self.total, self.desc, self.unit, self.every = total, desc, unit, every
        self.file = file if file is not None else sys.stderr
        self.done, self.failed = 0, 0
        self.start = self.last = time.monotonic()
        self.bar = None
        self.enabled = enabled
        if enabled and _is_terminal(self.file):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=self.file)

    def update(self, n: int = 1, failed: int = 0) -> None:
        """Record ``n`` more finished steps, ``failed`` of which failed."""
        self.done += n
        self.failed += failed
        if not self.enabled:
            return
        if self.bar is not None:
            if failed:
                self.bar.set_postfix(failed=self.failed, refresh=False)
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.done == n or now - self.last >= self.every or self.done >= self.total:
            self.last = now
            self._line()

    def _line(self) -> None:
        failed = f" ({self.failed} failed)" if self.failed else ""
        plural = "" if self.total == 1 else "s"
        elapsed = time.monotonic() - self.start
        print(
            f"{self.desc}: {self.done}/{self.total} {self.unit}{plural}{failed}, {elapsed:.0f} s",
            file=self.file,
            flush=True,
        )

    def close(self) -> None:
        """Remove the bar (a terminal), or say where an unfinished job stopped."""
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and 0 < self.done < self.total:
            self._line()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
