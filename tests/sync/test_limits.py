"""Limits: body and batch size, slow clients, and refusals before a body is read."""

from __future__ import annotations

import json
import select
import socket
import time

from sync_support import raw_request


def read_reply(sock: socket.socket, timeout_s: float = 5) -> tuple[int, dict]:
    sock.settimeout(timeout_s)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), json.loads(body)


def test_a_body_over_the_limit_is_refused_with_413(start_server):
    server = start_server(max_body_bytes=4000)
    server.add_user("wang")
    wang = server.sign_in("wang")
    site = wang.device.site(address="很长的地址" * 20)
    big = [wang.device.site() for _ in range(20)]
    declared = wang.push(big)
    assert declared.status_code == 413 and declared.json()["code"] == "too_large"
    assert "上限" in declared.json()["message"]

    def chunks():
        body = json.dumps({"device_id": wang.device.id, "entries": [site] * 20}).encode()
        for start in range(0, len(body), 1000):
            yield body[start:start + 1000]

    streamed = wang.http.post("/v1/push", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413


def test_a_batch_over_the_entry_limit_is_refused_whole(start_server):
    server = start_server(max_batch_entries=5)
    server.add_user("wang")
    wang = server.sign_in("wang")
    reply = wang.push([wang.device.site() for _ in range(6)])
    assert reply.status_code == 413
    assert reply.json()["code"] == "batch_too_large" and "最多上传 5 条" in reply.json()["message"]


def test_a_request_without_a_token_is_refused_before_its_body_is_read(server):
    head = b"POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    sock = raw_request(server.port, head, close_after=False)
    status, body = read_reply(sock, timeout_s=2)  # no body was sent: the reply cannot have waited for it
    sock.close()
    assert status == 401 and body["code"] == "unauthorized"


def test_a_stalled_body_is_cut_off_and_never_holds_a_worker(start_server):
    server = start_server(body_idle_timeout_s=0.5)
    server.add_user("wang")
    wang = server.sign_in("wang")
    head = (f"POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wang.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n").encode()
    stalled = [raw_request(server.port, head, b'{"device_id": ', close_after=False) for _ in range(60)]
    started = time.monotonic()
    # more stalled clients than worker threads (40), yet a real push goes straight through
    assert wang.push_ok([wang.device.site()])[0]["status"] == "applied"
    assert time.monotonic() - started < 0.5
    status, body = read_reply(stalled[0])
    assert status == 408 and body["code"] == "timeout" and "秒" in body["message"]
    for sock in stalled:
        sock.close()


def test_a_body_trickling_in_is_cut_off_at_the_total_limit(start_server):
    server = start_server(body_idle_timeout_s=0.5, body_total_timeout_s=1.0)
    server.add_user("wang")
    wang = server.sign_in("wang")
    head = (f"POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {wang.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n").encode()
    sock = raw_request(server.port, head, close_after=False)
    started = time.monotonic()
    while time.monotonic() - started < 3:
        sock.sendall(b" ")  # one byte every 0.2 s: never idle long enough for the idle limit
        if select.select([sock], [], [], 0.2)[0]:
            break  # the server answered
    status, body = read_reply(sock)
    assert status == 408 and "上传总时间" in body["message"]
    assert time.monotonic() - started < 2.5
