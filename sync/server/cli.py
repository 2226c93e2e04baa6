"""``python -m sync.server``: serve the endpoint, manage accounts, publish checklists, set the
office's settings, dump records.

Exit status: 0 on success, 1 on an error (one line on standard error says why; ``checklist
publish`` prints the loader's ERROR lines), 2 on a usage error. Logs go to standard error.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from pathlib import Path

from checklists import ChecklistError
from sync.protocol import ADMIN, ROLES

from .accounts import AccountError, add_user, list_users, revoke_user
from .config import ServerSettings
from .storage import DatabaseRefused, Storage

log = logging.getLogger(__name__)

EXAMPLES = """\
examples:
  python -m sync.server --data server-data                       serve on http://127.0.0.1:8765
  python -m sync.server --data server-data --host 0.0.0.0 --port 9000
  echo 'a-long-password' | python -m sync.server --data server-data user add 王芳 --role 网格员 --grid 荷花池-01
  python -m sync.server --data server-data user add 李主任 --role 管理员     (password: first line of stdin)
  python -m sync.server --data server-data user revoke 王芳
  python -m sync.server --data server-data user list
  python -m sync.server --data server-data checklist publish checklists/lifeline.yaml
  python -m sync.server --data server-data office set office.yaml --by 李主任
  python -m sync.server --data server-data dump > records.jsonl

Accounts can be managed while the server runs on the same data folder.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sync.server", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EXAMPLES,
        description="安巡 AnXun central endpoint. With no command it serves (loopback by default).",
    )
    parser.add_argument("--data", type=Path, required=True, metavar="DIR",
                        help="data folder: database, photos (created if missing)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL instead of SQLite in DIR (or set ANXUN_DATABASE_URL)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the API (the default)")
    # Also accepted after the word serve; SUPPRESS keeps the values given before it otherwise.
    serve.add_argument("--host", default=argparse.SUPPRESS, help="as above")
    serve.add_argument("--port", type=int, default=argparse.SUPPRESS, help="as above")

    user = commands.add_parser("user", help="add, revoke or list accounts").add_subparsers(
        dest="user_command", metavar="ACTION", required=True)
    add = user.add_parser("add", help="add an account; the password is the first line of standard input")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--grid", action="append", default=[], metavar="G",
                     help="a grid the user works in (repeatable); 网格员 and 消防员 need at least one")
    revoke = user.add_parser("revoke", help="disable an account and revoke all its tokens")
    revoke.add_argument("name")
    user.add_parser("list", help="one line per account: name, role, grids, state, live tokens")

    checklist = commands.add_parser("checklist", help="publish a checklist to devices").add_subparsers(
        dest="checklist_command", metavar="ACTION", required=True)
    publish = checklist.add_parser("publish", help="validate a checklist YAML file and make it available to pull")
    publish.add_argument("file", type=Path)

    office = commands.add_parser("office", help="set the office's settings for every device").add_subparsers(
        dest="office_command", metavar="ACTION", required=True)
    office_set = office.add_parser("set", help="check a settings file (YAML or JSON: ratings, levels, "
                                              "hidden_methods, repeat_within_days) and make it available to pull")
    office_set.add_argument("file", type=Path)
    office_set.add_argument("--by", default="管理员（命令行）", metavar="NAME", help="who set them (recorded)")

    commands.add_parser("dump", help="every live record as one JSON object per line on standard output")
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")  # names and messages are Chinese; C locales are common
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "serve"
    if command == "user" and args.user_command == "add":
        if args.role != ADMIN and not args.grid:
            parser.error(f"{args.role} needs at least one --grid")
        if args.role == ADMIN and args.grid:
            parser.error("管理员 sees every grid: give no --grid")
    logging.basicConfig(stream=sys.stderr, level=logging.INFO if command == "serve" else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"database_url": args.database_url} if args.database_url else {}
    settings = ServerSettings(data_dir=args.data, **overrides)
    try:
        if command == "serve":
            return _serve(settings, args.host, args.port)
        storage = Storage(settings)
    except DatabaseRefused as exc:
        print(f"数据库不能使用：{exc}", file=sys.stderr)
        return 1
    try:
        if command == "user":
            return _user(storage, args)
        if command == "checklist":
            return _publish(storage, args.file)
        if command == "office":
            return _office(storage, args.file, args.by)
        return _dump(storage)
    finally:
        storage.close()


def _serve(settings: ServerSettings, host: str, port: int) -> int:
    import uvicorn

    from .app import create_app

    app = create_app(settings)
    log.info("serving on http://%s:%d", host, port)
    # The guard bounds body reading; keep-alive idlers are dropped quickly too.
    uvicorn.run(app, host=host, port=port, timeout_keep_alive=5, log_config=None, server_header=False)
    return 0


def _user(storage: Storage, args: argparse.Namespace) -> int:
    try:
        if args.user_command == "add":
            password = _password()
            user = add_user(storage, args.name, args.role, args.grid, password)
            print(f"已添加 {user.name}（{user.role}{'，网格 ' + '、'.join(user.grids) if user.grids else ''}）")
        elif args.user_command == "revoke":
            count = revoke_user(storage, args.name)
            print(f"已停用 {args.name}，撤销 {count} 个登录凭证")
        else:
            for row in list_users(storage):
                grids = ",".join(row["grids"]) or "*"
                state = "revoked" if row["disabled"] else "active"
                print(f"{row['name']}\t{row['role']}\t{grids}\t{state}\ttokens={row['tokens']}")
    except AccountError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 0


def _password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("密码: ")
    line = sys.stdin.readline()
    if not line:
        raise AccountError("没有从标准输入读到密码（第一行）")
    return line.rstrip("\r\n")


def _publish(storage: Storage, path: Path) -> int:
    from checklists.__main__ import summarise

    from .publish import publish_checklist

    try:
        checklist, new = publish_checklist(storage, path)
    except ChecklistError as exc:
        print(f"ERROR  {exc}")
        return 1
    print(f"OK  {path.name}  {summarise(checklist)}{'' if new else '  (already published)'}")
    return 0


def _office(storage: Storage, path: Path, by: str) -> int:
    import yaml
    from pydantic import ValidationError

    from checklists import OfficeConfig

    from .errors import Invalid
    from .office_settings import set_office_settings

    try:
        config = OfficeConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        stored = set_office_settings(storage, by, config)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        print(f"错误：{path.name} 无法读取：{exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        print(f"错误：{path.name}：{where}：{first['msg']}", file=sys.stderr)
        return 1
    except Invalid as exc:
        print(f"错误：{path.name}：{exc.message}", file=sys.stderr)
        return 1
    print(f"办公室设定已更新为第 {stored['version']} 版（{by}），各设备下次同步时生效")
    return 0


def _dump(storage: Storage) -> int:
    from .dump import dump_lines

    count = 0
    for line in dump_lines(storage):
        sys.stdout.write(line + "\n")
        count += 1
    sys.stdout.flush()
    log.info("dumped %d records", count)
    return 0
