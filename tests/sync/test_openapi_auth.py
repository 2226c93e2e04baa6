"""Every operation in the OpenAPI document, except health, the document and sign-in, needs a token."""

from __future__ import annotations

import re

import pytest

OPEN = {("get", "/health"), ("get", "/openapi.json"), ("post", "/v1/auth/sign-in")}
SAMPLE_PARAMS = {"sha256": "a" * 64, "entity": "hazard", "entity_id": "01a23484-8fe6-7000-b612-99c6525c9075",
                 "hazard_id": "01a23484-8fe6-7000-b612-99c6525c9075"}


def operations(document: dict) -> list[tuple[str, str]]:
    found = []
    for path, item in document["paths"].items():
        for method in item:
            if method in ("get", "put", "post", "delete", "patch", "head"):
                found.append((method, path))
    return found


def test_the_document_and_health_need_no_token(server):
    with server.client() as client:
        document = client.get("/openapi.json")
        health = client.get("/health")
    assert document.status_code == 200 and health.status_code == 200
    assert health.json()["server"] == "anxun"
    assert ("post", "/v1/push") in operations(document.json())


@pytest.mark.parametrize("token", [None, "garbage-token"], ids=["no token", "garbage token"])
def test_every_other_operation_refuses_a_request_without_a_valid_token(server, token):
    with server.client() as client:
        document = client.get("/openapi.json").json()
    checked = []
    with server.client(token) as client:
        for method, path in operations(document):
            if (method, path) in OPEN:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)
            # a plausible body, so nothing but the missing token can be the reason for refusal
            reply = client.request(method.upper(), url, json={} if method in ("post", "put") else None)
            assert reply.status_code == 401, f"{method.upper()} {path} answered {reply.status_code}"
            if method != "head":
                assert reply.json()["code"] == "unauthorized"
            checked.append((method, path))
    assert len(checked) >= 9  # push, pull, photos ×3, records, decisions, conflicts, me, sign-out
    # every protected operation says so in the document
    for method, path in checked:
        assert "security" in document["paths"][path][method] or "401" in document["paths"][path][method]["responses"]
