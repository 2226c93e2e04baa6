"""Control ids that no earlier server process has used.

A web page outlives the app's web server: after a restart it reconnects to a new process, which
runs ``main`` again and numbers its controls from 3 as the old one did. The client keeps what it
knew by id, so a service registered under an id it already has (the FilePicker) is never set up
again: 添加照片 then waits 10 s for a picker that is not there (``TimeoutException …
FilePicker.pick_files``) until the page is reloaded. Numbering each process's controls from its
start time in microseconds keeps them apart (a million ids a second; below 2**53, which a
JavaScript client holds exactly, until the 23rd century).
"""

from __future__ import annotations

import itertools
import logging
import time

from flet.controls.id_counter import ControlId

log = logging.getLogger(__name__)

_done = False


def fresh_control_ids() -> None:
    """Number this process's controls from now on past every earlier process's (once per process)."""
    global _done
    if _done:
        return
    _done = True
    start = time.time_ns() // 1000
    # flet 1.0.5 (pinned): ControlId is the process-wide counter every control takes its id from.
    ControlId._counter = itertools.count(start)
    log.debug("control ids start at %d", start)
