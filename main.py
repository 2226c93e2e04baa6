"""Entry point for `flet build apk` and `flet run`: the packaged app starts here.

On a device Flet sets FLET_APP_STORAGE_DATA; app.main keeps the database and photos there.
For web mode on a workstation use `python -m app` (see README).
"""

import flet as ft

from app.main import main

if __name__ == "__main__":
    ft.run(main)
