"""Signing in, tokens, and what a request without a valid one gets."""

from __future__ import annotations

import time

from sync_support import PASSWORD

from sync.server.accounts import revoke_user


def test_sign_in_returns_a_token_naming_the_server_user_role_and_grids(server):
    with server.client() as client:
        reply = client.post("/v1/auth/sign-in", json={"name": "wang", "password": PASSWORD, "device_id": "dev-1"})
    assert reply.status_code == 200
    body = reply.json()
    assert body["server"] == "anxun"
    assert body["user"] == {"name": "wang", "role": "网格员", "grids": ["荷花池-01"]}
    assert body["device_id"] == "dev-1"
    assert len(body["token"]) >= 43  # 256 random bits, URL-safe base64
    with server.client(body["token"]) as client:
        assert client.get("/v1/me").json() == body["user"]


def test_the_database_keeps_only_the_tokens_hash_and_a_salted_password_hash(server):
    signed = server.sign_in("wang")
    with server.storage.read() as conn:
        stored_tokens = [r[0] for r in conn.exec_driver_sql("SELECT token_sha256 FROM tokens")]
        hashes = [r[0] for r in conn.exec_driver_sql("SELECT password_hash FROM users")]
    assert signed.token not in stored_tokens and len(stored_tokens[0]) == 64
    assert all(h.startswith("scrypt$") and PASSWORD not in h for h in hashes)
    assert len(set(hashes)) == len(hashes)  # same password, different salts


def test_sign_in_without_or_with_wrong_credentials_is_401_in_chinese(server):
    with server.client() as client:
        cases = {
            "no body": client.post("/v1/auth/sign-in"),
            "no password": client.post("/v1/auth/sign-in", json={"name": "wang", "device_id": "d"}),
            "wrong password": client.post("/v1/auth/sign-in",
                                          json={"name": "wang", "password": "nope-nope", "device_id": "d"}),
            "unknown name": client.post("/v1/auth/sign-in",
                                        json={"name": "nobody", "password": PASSWORD, "device_id": "d"}),
        }
    for case, reply in cases.items():
        assert reply.status_code == 401, case
        assert reply.json()["message"] in ("请输入用户名和密码", "用户名或密码错误"), case


def test_requests_without_a_token_or_with_a_bad_one_are_401(server):
    with server.client() as client:
        missing = client.get("/v1/pull")
    with server.client("not-a-real-token") as client:
        garbage = client.get("/v1/pull")
    for reply in (missing, garbage):
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"
        assert reply.json() == {"code": "unauthorized", "message": "未登录或登录已失效，请重新登录",
                                "detail": reply.json()["detail"]}


def test_revoking_a_user_ends_their_tokens_and_their_sign_in(server):
    signed = server.sign_in("wang")
    assert signed.http.get("/v1/me").status_code == 200
    assert revoke_user(server.storage, "wang") == 1
    assert signed.http.get("/v1/me").status_code == 401
    with server.client() as client:
        again = client.post("/v1/auth/sign-in", json={"name": "wang", "password": PASSWORD, "device_id": "d"})
    assert again.status_code == 401


def test_signing_out_revokes_only_that_token(server):
    first = server.sign_in("wang")
    second = server.sign_in("wang")
    assert first.http.post("/v1/auth/sign-out").status_code == 204
    assert first.http.get("/v1/me").status_code == 401
    assert second.http.get("/v1/me").status_code == 200


def test_repeated_wrong_passwords_make_the_name_wait_even_for_the_right_one(server):
    # settings_for: 3 free attempts, then 0.5 s, doubling.
    def attempt(password):
        with server.client() as client:
            return client.post("/v1/auth/sign-in", json={"name": "wang", "password": password, "device_id": "d"})

    assert [attempt("wrong-password").status_code for _ in range(3)] == [401, 401, 401]
    blocked = attempt(PASSWORD)
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts" and "秒后再试" in blocked.json()["message"]
    assert int(blocked.headers["retry-after"]) >= 1
    time.sleep(0.6)
    assert attempt("wrong-password").status_code == 401  # the 4th wrong one: now 1 s
    time.sleep(0.6)
    assert attempt(PASSWORD).status_code == 429  # still waiting: the wait doubled
    time.sleep(0.5)
    assert attempt(PASSWORD).status_code == 200
    assert attempt("wrong-password").status_code == 401  # a success starts the count again


def test_an_unknown_name_is_slowed_down_too_so_replies_never_tell_which_names_exist(server):
    def attempt():
        with server.client() as client:
            return client.post("/v1/auth/sign-in", json={"name": "ghost", "password": "x" * 9, "device_id": "d"})

    assert [attempt().status_code for _ in range(4)] == [401, 401, 401, 429]
