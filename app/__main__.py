"""Command line: ``python -m app --port P --data DIR [--no-browser] [--demo] [--host 127.0.0.1]``.

Serves the Flet UI in web mode (the browser is a thin client; the APK uses ``app.main`` directly).
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: Upload cap in web mode; equals PhotoSettings.max_input_bytes (a test keeps them equal).
#: Not imported from app.photos: Pillow's import would delay the server's start.
MAX_UPLOAD_BYTES = 25 * 1024 * 1024

log = logging.getLogger("app")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m app", description="安巡 AnXun 现场检查（Web 模式）")
    p.add_argument("--port", type=int, default=8550, help="HTTP port (default 8550)")
    # Field data must not be reachable from the LAN by accident: loopback unless asked.
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1; 0.0.0.0 for the LAN)")
    p.add_argument("--data", type=Path, default=None, help="data directory (database, photos, uploads)")
    p.add_argument("--no-browser", action="store_true", help="serve only; do not open a browser")
    p.add_argument("--demo", action="store_true", help="seed demo sites and inspections first")
    return p.parse_args(argv)


def _warm_after_listen(host: str, port: int, get_device) -> None:  # noqa: ANN001
    """Open the database and load the checklists once the server listens, while the browser is
    still downloading and compiling the web client, so the first session starts at once."""
    import socket
    import threading
    import time

    def warm() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host if host not in ("0.0.0.0", "::") else "127.0.0.1", port),
                                              timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        try:
            get_device()
            import app.ui.routes  # noqa: F401 - the screens, imported now rather than by the first page
            from app.ui import theme

            theme.preload()
        except Exception:  # noqa: BLE001 - main() shows the same error on the page
            log.exception("warm-up failed")

    threading.Thread(target=warm, name="anxun-warm", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from app.main import data_dir as default_data_dir  # the one data-folder rule (app and APK)
    from app.store.db import DB_FILE, Store, StoreError

    data_dir = (args.data or default_data_dir()).expanduser().resolve()
    try:
        # A read-only folder or a damaged database is refused here in one line, not as a traceback.
        Store(data_dir / DB_FILE).close()
        (data_dir / "uploads").mkdir(parents=True, exist_ok=True)
    except StoreError as exc:
        print(f"安巡无法启动：{exc.message}", file=sys.stderr)
        return 1
    # The app (app.main) reads its data directory from here.
    os.environ["ANXUN_DATA_DIR"] = str(data_dir)
    os.environ["FLET_FORCE_WEB_SERVER"] = "1"
    # Signed upload URLs (photo upload in web mode) need a secret key.
    os.environ.setdefault("FLET_SECRET_KEY", secrets.token_hex(32))
    # Refuse oversized uploads at the door; the photo pipeline refuses anything over this too.
    os.environ.setdefault("FLET_MAX_UPLOAD_SIZE", str(MAX_UPLOAD_BYTES))

    import flet as ft

    from app.main import get_device
    from app.main import main as app_main

    if args.demo:
        from app.demo import seed_demo
        from app.demo_records import seed_demo_records

        seed_demo(get_device())
        seed_demo_records(get_device())  # a ledger with work in it; nothing when it has some already
    else:
        _warm_after_listen(args.host, args.port, get_device)

    ft.run(
        app_main,
        view=None if args.no_browser else ft.AppView.WEB_BROWSER,
        port=args.port,
        host=args.host,
        assets_dir=str(REPO / "assets"),
        upload_dir=str(data_dir / "uploads"),
        no_cdn=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
