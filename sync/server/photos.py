"""Which images the server expects and holds, who may fetch them, and what each record lacks.

A photo (or signature image) may be uploaded once a pushed record names its hash: a ``photo``
row or a signature's ``png_sha256``. A record whose images have not all arrived reads
"缺少N张照片" in the API and the dump, and an inspection counts as complete only when nothing
is missing (anchors §2.3: the server works out the expected files and tracks which are present).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from .accounts import User
from .errors import Conflict, Forbidden
from .files import PhotoFiles
from .tables import photo_links, photos, signatures, sites


def is_expected(conn: Connection, sha256: str) -> bool:
    """Whether a pushed record names this image."""
    return (conn.execute(select(photos.c.sha256).where(photos.c.sha256 == sha256)).first() is not None
            or conn.execute(select(signatures.c.inspection_id).where(signatures.c.png_sha256 == sha256)
                            .limit(1)).first() is not None)


def may_see(conn: Connection, user: User, sha256: str) -> bool:
    """A 管理员 sees every image; others those of records in their grids, and their own uploads."""
    if user.is_admin:
        return True
    owned = conn.execute(select(photos.c.sha256).where(photos.c.sha256 == sha256,
                                                       photos.c.sv_created_by == user.name)).first()
    if owned is not None:
        return True
    site_ids = select(photo_links.c.sv_site_id).where(
        photo_links.c.photo_sha256 == sha256, photo_links.c.sv_deleted_at.is_(None)
    ).union(select(signatures.c.sv_site_id).where(signatures.c.png_sha256 == sha256))
    grids = conn.execute(select(sites.c.grid).where(sites.c.id.in_(site_ids))).scalars()
    return any(user.may_see(grid) for grid in grids)


def check_upload(conn: Connection, user: User, sha256: str) -> None:
    """:raises Conflict: no record names the image yet (push the records first).
    :raises Forbidden: the records naming it are outside the user's grids."""
    if not is_expected(conn, sha256):
        raise Conflict("服务器上还没有引用这张照片的记录，请先同步记录再上传照片", code="not_expected",
                       detail=f"no photo or signature row names {sha256}")
    if not may_see(conn, user, sha256):
        raise Forbidden("无权上传其他网格记录的照片", detail=f"{user.name} may not see {sha256}")


# --- what a record still lacks -------------------------------------------------------------------


def expected_of(conn: Connection, entity: str, row: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The (photo hashes, signature image hashes) a record needs."""
    if entity == "photo":
        return [row["sha256"]], []
    if entity == "photo_link":
        return [row["photo_sha256"]], []
    if entity == "signature":
        return [], [row["png_sha256"]] if row["png_sha256"] else []
    if entity in ("hazard", "review", "answer"):
        owner_id = row["sv_id"] if entity == "answer" else row["id"]
        return _linked(conn, photo_links.c.owner_kind == entity, photo_links.c.owner_id == owner_id), []
    if entity == "inspection":
        signed = conn.execute(select(signatures.c.png_sha256).where(
            signatures.c.inspection_id == row["id"], signatures.c.sv_deleted_at.is_(None),
            signatures.c.png_sha256.is_not(None))).scalars().all()
        return _linked(conn, photo_links.c.sv_inspection_id == row["id"]), list(signed)
    return [], []


def _linked(conn: Connection, *where: Any) -> list[str]:
    return list(conn.execute(select(photo_links.c.photo_sha256).distinct()
                             .where(photo_links.c.sv_deleted_at.is_(None), *where)).scalars())


def missing_of(files: PhotoFiles, shas: Iterable[str]) -> set[str]:
    wanted = set(shas)
    return wanted - files.present(wanted)


def missing_note(photos_missing: int, signature_missing: int) -> str | None:
    """``缺少2张照片``, ``缺少签名图像``, ``缺少1张照片和签名图像``; None when nothing is missing."""
    parts = []
    if photos_missing:
        parts.append(f"{photos_missing}张照片")
    if signature_missing:
        parts.append("签名图像")
    return "缺少" + "和".join(parts) if parts else None


def record_gaps(conn: Connection, files: PhotoFiles, entity: str, row: dict[str, Any]) -> tuple[int, str | None]:
    """How many images a record lacks, and the note saying so."""
    photo_shas, signature_shas = expected_of(conn, entity, row)
    lacking_photos = missing_of(files, photo_shas)
    lacking_signature = missing_of(files, signature_shas)
    return len(lacking_photos) + len(lacking_signature), missing_note(len(lacking_photos), len(lacking_signature))
