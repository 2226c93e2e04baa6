"""``python -m sync.client``: sign a device folder in, sync it, show its state, sign it out.

    python -m sync.client --data DIR login --server URL --user NAME   (password: first line of stdin)
    python -m sync.client --data DIR sync [--timeout 120]
    python -m sync.client --data DIR status
    python -m sync.client --data DIR logout [--force]

Exit status (every command): 0 done; 1 a transient failure (network, server error, time limit,
another sync running) — trying again later is right; 2 not signed in, or the name, password or
token was refused; 3 a person must look: the server rejected some entries (``sync``), or changes
are still to send (``login`` as someone else, ``logout`` without ``--force``). One line on
standard output says what happened (``status`` prints one JSON object); logs go to standard error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Refused, SignInNeeded, SyncError, Transient

if TYPE_CHECKING:
    from app.services import Device

log = logging.getLogger(__name__)

OK, TRANSIENT, SIGN_IN, LOOK = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sync.client", description=__doc__.splitlines()[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="the device data folder")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    login = commands.add_parser("login", help="sign in; the password is the first line of standard input")
    login.add_argument("--server", required=True, metavar="URL", help="e.g. http://127.0.0.1:8765")
    login.add_argument("--user", required=True, metavar="NAME")
    sync = commands.add_parser("sync", help="one full sync with the saved server")
    sync.add_argument("--timeout", type=float, default=120.0, metavar="S", help="give up after S seconds (120)")
    commands.add_parser("status", help="one JSON object: pending, last success, last error, rejected entries")
    logout = commands.add_parser("logout", help="sign out (refused while changes are pending, unless --force)")
    logout.add_argument("--force", action="store_true", help="sign out even with changes still to send")
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if args.command != "login" and not (args.data / "anxun.db").is_file():
        print(f"未登录：{args.data} 不是设备数据目录（先 login）")
        return SIGN_IN
    from app.services import AnXunError, PendingChanges, open_device

    device = open_device(args.data, checklists={})
    try:
        return _run(device, args)
    except PendingChanges as exc:
        print(exc.message)
        return LOOK
    except SignInNeeded as exc:
        print(exc.message)
        return SIGN_IN
    except Refused as exc:
        print(exc.message)
        return SIGN_IN if exc.code in ("device_mismatch",) else LOOK
    except (Transient, SyncError) as exc:
        print(exc.message)
        return TRANSIENT
    except AnXunError as exc:
        print(exc.message)
        return LOOK
    finally:
        device.close()


def _run(device: Device, args: argparse.Namespace) -> int:
    sync = device.sync
    if args.command == "login":
        password = sys.stdin.readline().rstrip("\r\n")
        user = sync.sign_in(args.server, args.user, password)
        print(f"已登录 {args.server}：{user['name']}（{user['role']}）")
        return OK
    if args.command == "logout":
        sync.sign_out(confirm=args.force)
        print("已退出登录")
        return OK
    if args.command == "status":
        print(json.dumps(_status(device), ensure_ascii=False))
        return OK
    report = sync.run(args.timeout, wait_for_lock_s=args.timeout)
    print(report.line())
    return LOOK if report.rejected else OK


def _status(device: Device) -> dict:
    status = device.sync.status()
    waiting = asdict(status.waiting)
    return {
        "signed_in": status.signed_in, "server": status.server, "user": status.user,
        "pending": {"changes": waiting["changes"], "photos_to_upload": waiting["uploads"],
                    "inspections": waiting["inspections"], "hazards": waiting["hazards"],
                    "photos": waiting["photos"], "sites": waiting["sites"]},
        "last_success_at": _iso(status.last_sync_at), "last_attempt_at": _iso(status.last_attempt_at),
        "online": status.online, "last_error": status.last_error,
        "rejected": [{"what": r.what, "reason": r.reason, "code": r.code, "rejected_at": _iso(r.rejected_at)}
                     for r in device.sync.rejected()],
    }


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")
