"""Hybrid logical clocks: the order of edits across devices, without trusting any device's clock.

A value is (wall-clock milliseconds, counter, node). A clock never goes backwards: it takes the
largest of its own wall clock, the last value it issued and every value it has seen, and counts
up when the milliseconds do not move (Kulkarni et al. 2014). The node (the device id, or
``server``) breaks ties, so any two values from different nodes are ordered.

On the wire a value is one string whose text order is its order, e.g.
``1764641432546-00000-01a23484-9dd6-7000-b9c0-96cf9c47feee``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["MAX_COUNTER", "SERVER_NODE", "Hlc", "HlcClock", "wall_ms"]

#: The node of values the central endpoint issues (office decisions, its replies).
SERVER_NODE = "server"
MAX_COUNTER = 99_999
_TEXT = re.compile(r"^(\d{13})-(\d{5})-([0-9A-Za-z._:-]{1,64})$")


def wall_ms() -> int:
    """Milliseconds since the Unix epoch by this machine's clock."""
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, order=True)
class Hlc:
    """One clock value; compares as (ms, counter, node)."""

    ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.ms:013d}-{self.counter:05d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Hlc:
        """Read the wire form.

        :param text: e.g. ``1764641432546-00000-server``.
        :raises ValueError: when the text is not an HLC value.
        """
        found = _TEXT.match(text) if isinstance(text, str) else None
        if found is None:
            raise ValueError(f"not an HLC value: {text!r} (expected 13-digit ms, 5-digit counter, node)")
        return cls(int(found[1]), int(found[2]), found[3])

    def successor(self, node: str | None = None) -> Hlc:
        """The smallest value after this one (for ``node``, by default this value's own)."""
        if self.counter >= MAX_COUNTER:
            return Hlc(self.ms + 1, 0, node or self.node)
        return Hlc(self.ms, self.counter + 1, node or self.node)


class HlcClock:
    """Issues increasing values for one node; thread-safe.

    :param node: the device id, e.g. ``01a23484-9dd6-7000-b9c0-96cf9c47feee``.
    :param last: the last value issued before a restart (persist it), so values keep increasing.
    :param now_ms: the wall clock (tests pass a skewed one).
    """

    def __init__(self, node: str, last: Hlc | None = None, now_ms: Callable[[], int] = wall_ms):
        Hlc.parse(f"{0:013d}-{0:05d}-{node}")  # refuses a node the wire form cannot carry
        self.node = node
        self.last = last or Hlc(0, 0, node)
        self._now_ms = now_ms
        self._lock = threading.Lock()

    def now(self) -> Hlc:
        """A value for a local event (an edit, a message sent)."""
        with self._lock:
            wall = self._now_ms()
            if wall > self.last.ms:
                self.last = Hlc(wall, 0, self.node)
            else:
                self.last = self.last.successor(self.node)
            return self.last

    def observe(self, seen: Hlc) -> Hlc:
        """Take in a value from elsewhere (a pull, a reply); later local values sort after it."""
        with self._lock:
            wall = self._now_ms()
            top = max(wall, self.last.ms, seen.ms)
            if top == self.last.ms == seen.ms:
                counter = max(self.last.counter, seen.counter) + 1
            elif top == self.last.ms:
                counter = self.last.counter + 1
            elif top == seen.ms:
                counter = seen.counter + 1
            else:
                counter = 0
            if counter > MAX_COUNTER:
                top, counter = top + 1, 0
            self.last = Hlc(top, counter, self.node)
            return self.last
