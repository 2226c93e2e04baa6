"""docs/sync.md keeps up with the server: every operation and every refusal code is described."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sync.md").read_text(encoding="utf-8")


def test_every_operation_of_the_api_is_described(server):
    with server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method in operations:
            shown = re.sub(r"\{(\w+)\}", r"{\1}", path)
            assert method.upper() in DOC and shown.split("{")[0].rstrip("/") in DOC, f"{method.upper()} {path}"


def test_every_refusal_code_is_explained():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sync" / "server").rglob("*.py"))
    codes = set(re.findall(r'EntryRejected\(\s*"(\w+)"', source)) | set(re.findall(r'code="(\w+)"', source))
    codes.add("key_conflict")
    missing = sorted(code for code in codes if f"`{code}`" not in DOC)
    assert missing == []
