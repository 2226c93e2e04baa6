"""The device's sync engine: push the change log, upload images, pull (``docs/sync.md``).

    engine.py     one sync of a data folder (push, images, pull, thumbnails), retried until its time limit
    api.py        the central endpoint's calls; only a reply of ours counts
    transport.py  the seam every request passes (``RequestsTransport``; tests wrap it to inject faults)
    state.py      credentials and how the last sync went, in the device's settings
    lock.py       one sync per data folder at a time
    files.py      checking and writing fetched images
    errors.py     transient / sign-in / refused
    cli.py        ``python -m sync.client --data DIR login|sync|status|logout``

The engine works on the device store (``app.store``: ``outbox`` for what goes up, ``inbox`` for
what comes down) and the photo files; ``app.services`` (``device.sync``) is what the app and
the command line call.
"""

__all__ = ["api", "engine", "errors", "lock", "state", "transport"]
