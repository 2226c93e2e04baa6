"""``python -m sync.client``: login from standard input, sync, status, logout — and the exit codes
a script relies on (0 done, 1 try again later, 2 sign in again, 3 a person must look)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from client_support import client_command as client
from client_support import make_device
from sync_support import PASSWORD

from sync.server.accounts import revoke_user

ROOT = Path(__file__).resolve().parents[2]


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stdout.splitlines()
    assert len(lines) == 1, (done.stdout, done.stderr)
    return lines[0]


def with_a_site(data: Path, grid: str = "荷花池-01", name: str = "荷花池街道 12 号群租房") -> None:
    device = make_device(data)
    device.sites.create(name=name, kind="群租房", grid=grid)
    device.close()


def test_login_reads_the_password_from_stdin_then_sync_sends_everything(server, tmp_path):
    data = tmp_path / "device"
    with_a_site(data)

    login = client(data, "login", "--server", server.url, "--user", "wang", stdin=PASSWORD + "\n")
    assert login.returncode == 0 and one_line(login) == f"已登录 {server.url}：wang（网格员）"
    done = client(data, "sync", "--timeout", "60")
    assert done.returncode == 0 and one_line(done) == "同步完成：上传 1 条修改、0 张照片，下载 0 条记录"

    status = json.loads(one_line(client(data, "status")))
    assert status["signed_in"] is True and status["user"] == "wang" and status["last_error"] is None
    assert status["pending"]["changes"] == 0 and status["rejected"] == [] and status["last_success_at"]
    assert PASSWORD not in (data / "anxun.db").read_bytes().decode("latin-1")


def test_a_wrong_password_or_a_revoked_token_exits_2(server, tmp_path):
    data = tmp_path / "device"
    wrong = client(data, "login", "--server", server.url, "--user", "wang", stdin="not-the-password\n")
    assert wrong.returncode == 2 and one_line(wrong) == "用户名或密码错误"

    assert client(data, "login", "--server", server.url, "--user", "wang", stdin=PASSWORD + "\n").returncode == 0
    revoke_user(server.storage, "wang")
    revoked = client(data, "sync", "--timeout", "30")
    assert revoked.returncode == 2 and "重新登录" in one_line(revoked)
    assert json.loads(client(data, "status").stdout)["last_error"] == one_line(revoked)


def test_sync_without_signing_in_exits_2_and_an_unreachable_server_exits_1(server, tmp_path):
    data = tmp_path / "device"
    never = client(tmp_path / "nowhere", "sync")
    assert never.returncode == 2 and one_line(never).startswith("未登录")
    with_a_site(data)
    signed_out = client(data, "sync")
    assert signed_out.returncode == 2 and "登录" in one_line(signed_out)

    assert client(data, "login", "--server", server.url, "--user", "wang", stdin=PASSWORD + "\n").returncode == 0
    server.stop()
    gone = client(data, "sync", "--timeout", "2")
    assert gone.returncode == 1 and one_line(gone) == "无法连接数据中心（网络不通或服务器未开启），稍后自动重试"
    status = json.loads(client(data, "status").stdout)
    assert status["pending"]["changes"] == 1 and status["online"] is False


def test_entries_the_server_rejects_exit_3_and_status_lists_them_with_the_reason(server, tmp_path):
    data = tmp_path / "device"
    with_a_site(data, grid="西林-02", name="西林苑 3 幢出租屋")  # outside wang's grid
    client(data, "login", "--server", server.url, "--user", "wang", stdin=PASSWORD + "\n")

    done = client(data, "sync")

    assert done.returncode == 3 and "1 条被拒收" in one_line(done)
    [rejected] = json.loads(client(data, "status").stdout)["rejected"]
    assert rejected["what"] == "场所“西林苑 3 幢出租屋”" and rejected["code"] == "forbidden" and rejected["reason"]
    again = client(data, "sync")
    assert again.returncode == 0  # a rejection is reported once; the queue is not blocked by it


def test_logout_is_refused_while_changes_are_pending_unless_forced(server, tmp_path):
    data = tmp_path / "device"
    client(data, "login", "--server", server.url, "--user", "wang", stdin=PASSWORD + "\n")
    with_a_site(data)

    refused = client(data, "logout")
    assert refused.returncode == 3 and "未上传" in one_line(refused)
    forced = client(data, "logout", "--force")
    assert forced.returncode == 0 and one_line(forced) == "已退出登录"
    assert json.loads(client(data, "status").stdout)["signed_in"] is False
    other = client(data, "login", "--server", server.url, "--user", "zhao", stdin=PASSWORD + "\n")
    assert other.returncode == 3 and "请先用原账号同步完成" in one_line(other)


def test_help_names_every_command_and_the_exit_codes():
    done = subprocess.run([sys.executable, "-m", "sync.client", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0
    for words in ("login", "sync", "status", "logout", "--timeout", "first line of standard input", "Exit status"):
        assert words in done.stdout, words
