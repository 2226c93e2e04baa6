"""``python -m sync.server``: help, accounts and their exit codes, checklist publish, and dump."""

from __future__ import annotations

import io
import json
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sync_support import PASSWORD, jpeg, png, settings_for, sha
from sync_support import server_command as run

from checklists.loader import SHIPPED_DIR
from sync.server.cli import main
from sync.server.storage import Storage

ROOT = Path(__file__).resolve().parents[2]


def cli(monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    """Run the CLI in-process (faster than a subprocess); returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(args))
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_help_says_how_to_serve_add_users_and_dump():
    done = run("--help")
    assert done.returncode == 0
    for words in ("--data", "--port", "--host", "user add", "--role", "--grid", "user revoke", "user list",
                  "checklist publish", "dump", "first line of stdin"):
        assert words in done.stdout, words


def test_with_no_command_it_serves_on_loopback(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "sync.server", "--data", str(tmp_path / "d"), "--port",
                                str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert reply.json() == {"server": "anxun", "protocol": 1, "status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/v1/pull", timeout=2).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (tmp_path / "d" / "anxun-server.db").is_file()


def test_user_add_reads_the_password_from_stdin_and_refuses_an_existing_name(tmp_path):
    data = str(tmp_path / "d")
    added = run("--data", data, "user", "add", "王芳", "--role", "网格员", "--grid", "荷花池-01", "--grid", "青果巷-02",
                stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    again = run("--data", data, "user", "add", "王芳", "--role", "网格员", "--grid", "荷花池-01", stdin=PASSWORD + "\n")
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1] == "错误：用户 王芳 已存在"


@pytest.mark.parametrize("args, code", [
    (["user", "add", "a", "--role", "网格员"], 2),                       # 网格员 needs a grid
    (["user", "add", "a", "--role", "消防员"], 2),                       # so does 消防员
    (["user", "add", "a", "--role", "管理员", "--grid", "g"], 2),         # 管理员 sees all grids
    (["user", "add", "a", "--role", "队长", "--grid", "g"], 2),           # no such role
    (["user", "add", "a"], 2),                                            # no role
    (["user"], 2),                                                        # no action
    (["user", "revoke", "nobody"], 1),                                    # an error, not a usage error
    (["user", "add", "a b", "--role", "管理员"], 1),                       # a name with a space
])
def test_user_commands_exit_2_on_usage_errors_and_1_on_errors(tmp_path, monkeypatch, capsys, args, code):
    got, _, err = cli(monkeypatch, capsys, "--data", str(tmp_path), *args, stdin=PASSWORD + "\n")
    assert got == code, err
    assert err.strip()  # always says why


def test_a_short_or_missing_password_is_refused(tmp_path, monkeypatch, capsys):
    code, _, err = cli(monkeypatch, capsys, "--data", str(tmp_path), "user", "add", "a", "--role", "管理员",
                       stdin="short\n")
    assert code == 1 and "至少 8 个字符" in err
    code, _, err = cli(monkeypatch, capsys, "--data", str(tmp_path), "user", "add", "a", "--role", "管理员", stdin="")
    assert code == 1 and "标准输入" in err


def test_user_list_and_revoke(tmp_path, monkeypatch, capsys):
    data = str(tmp_path)
    for name, role, grids in (("wang", "网格员", ["--grid", "荷花池-01"]), ("li", "管理员", [])):
        assert cli(monkeypatch, capsys, "--data", data, "user", "add", name, "--role", role, *grids,
                   stdin=PASSWORD)[0] == 0
    code, out, _ = cli(monkeypatch, capsys, "--data", data, "user", "list")
    assert code == 0
    assert out.splitlines() == ["li\t管理员\t*\tactive\ttokens=0", "wang\t网格员\t荷花池-01\tactive\ttokens=0"]
    assert cli(monkeypatch, capsys, "--data", data, "user", "revoke", "wang")[0] == 0
    assert "wang\t网格员\t荷花池-01\trevoked" in cli(monkeypatch, capsys, "--data", data, "user", "list")[1]


def test_a_user_added_while_the_server_runs_can_sign_in_at_once(start_server):
    server = start_server()
    done = run("--data", str(server.settings.data_dir), "user", "add", "new", "--role", "消防员", "--grid", "g1",
               stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert server.sign_in("new").http.get("/v1/me").json() == {"name": "new", "role": "消防员", "grids": ["g1"]}


def test_checklist_publish_checks_the_file_with_the_loader(tmp_path, monkeypatch, capsys):
    data = str(tmp_path / "d")
    code, out, _ = cli(monkeypatch, capsys, "--data", data, "checklist", "publish", str(SHIPPED_DIR / "lifeline.yaml"))
    assert code == 0 and out.startswith("OK  lifeline.yaml  lifeline v")
    broken = tmp_path / "draft.yaml"
    broken.write_text((SHIPPED_DIR / "lifeline.yaml").read_text(encoding="utf-8")
                      .replace("hazard_when:", "hazzard_when:", 1), encoding="utf-8")
    code, out, _ = cli(monkeypatch, capsys, "--data", data, "checklist", "publish", str(broken))
    assert code == 1
    assert out.startswith("ERROR  draft.yaml:") and "unknown field 'hazzard_when'" in out
    older = tmp_path / "older.yaml"
    older.write_text((SHIPPED_DIR / "lifeline.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = cli(monkeypatch, capsys, "--data", data, "checklist", "publish", str(older))
    assert code == 0 and "already published" in out


def test_dump_writes_one_json_line_per_live_record(server):
    wang = server.sign_in("wang")
    device = wang.device
    site = device.site(lat=31.78, lon=119.95)
    inspection = device.inspection(site["entity_id"])
    answer = device.answer(inspection["entity_id"], "A3", 5.0, note="最多一间住 5 人")
    kept, withdrawn = device.hazard(site["entity_id"]), device.hazard(site["entity_id"])
    uploaded, absent, signature_png = jpeg(colour=(9, 9, 9)), jpeg(colour=(8, 8, 8)), png()
    review = device.review(kept["entity_id"], passed=False)
    wang.push_ok([
        site, inspection, answer, kept, withdrawn, review,
        device.photo(uploaded), device.link(sha(uploaded), "hazard", kept["entity_id"]),
        device.photo(absent), device.link(sha(absent), "review", review["entity_id"]),
        device.signature(inspection["entity_id"], png_sha256=sha(signature_png)),
        device.entry("hazard", withdrawn["entity_id"], "delete", {"id": withdrawn["entity_id"]}),
    ])
    assert wang.http.put(f"/v1/photos/{sha(uploaded)}", content=uploaded).status_code == 201
    li = server.sign_in("li")
    assert li.http.post(f"/v1/hazards/{kept['entity_id']}/decisions", json={"listed": True}).status_code == 201

    done = run("--data", str(server.settings.data_dir), "dump")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    objects = [json.loads(line) for line in lines]
    for line, obj in zip(lines, objects, strict=True):
        assert line == json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        assert list(obj)[:3] == ["entity", "id", "fields"]
    by_id = {(o["entity"], o["id"]): o for o in objects}
    assert ("hazard", withdrawn["entity_id"]) not in by_id  # deleted records do not appear
    assert [o["entity"] for o in objects].count("hazard") == 1

    site_fields = by_id[("site", site["entity_id"])]["fields"]
    assert site_fields == {**site["payload"], "lat": 31.78, "lon": 119.95}
    answer_line = by_id[("answer", f"{inspection['entity_id']}/A3")]
    assert answer_line["fields"]["value"] == 5.0 and answer_line["fields"]["note"] == "最多一间住 5 人"
    hazard = by_id[("hazard", kept["entity_id"])]
    assert hazard["fields"]["photo_required"] is False and hazard["fields"]["listed"] is True
    assert hazard["fields"]["deadline"] == kept["payload"]["deadline"]
    assert hazard["fields"]["created_at"] == kept["payload"]["created_at"]  # ISO 8601, as the device wrote it
    assert "missing" not in hazard
    assert by_id[("review", review["entity_id"])]["fields"]["passed"] is False
    assert by_id[("review", review["entity_id"])]["missing"] == "缺少1张照片"
    assert by_id[("photo", sha(uploaded))]["file_ok"] is True
    assert by_id[("photo", sha(absent))]["file_ok"] is False
    assert by_id[("signature", inspection["entity_id"])]["missing"] == "缺少签名图像"
    assert by_id[("inspection", inspection["entity_id"])]["missing"] == "缺少签名图像"
    [decision] = [o for o in objects if o["entity"] == "decision"]
    assert decision["fields"]["listed"] is True and decision["fields"]["deadline"] is None
    assert not any(line.startswith("{") for line in done.stderr.splitlines())


def test_dump_reports_a_photo_file_damaged_on_disk(server):
    wang = server.sign_in("wang")
    data = jpeg()
    site = wang.device.site()
    wang.push_ok([site, wang.device.photo(data)])
    assert wang.http.put(f"/v1/photos/{sha(data)}", content=data).status_code == 201
    server.storage.files.path(sha(data)).write_bytes(data[:-10] + b"tampered!!")
    done = run("--data", str(server.settings.data_dir), "dump")
    [photo] = [json.loads(line) for line in done.stdout.splitlines() if '"entity":"photo"' in line]
    assert photo["file_ok"] is False


def test_a_database_lacking_a_column_this_server_stores_is_refused_naming_it(tmp_path, monkeypatch, capsys):
    Storage(settings_for(tmp_path)).close()
    with sqlite3.connect(tmp_path / "anxun-server.db") as db:  # as an older server made it
        db.execute("ALTER TABLE hazards DROP COLUMN listed")

    code, out, err = cli(monkeypatch, capsys, "--data", str(tmp_path), "user", "list")

    assert code == 1 and out == ""
    assert "hazards.listed" in err and "older server" in err
