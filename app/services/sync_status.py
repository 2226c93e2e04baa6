"""``device.sync``: signing in and out of the central endpoint, running a sync, and what the
sync strip shows (what is waiting, as a person counts it; last success; online; the last error;
entries the server refused, with its reason: the shapes are in ``sync_view.py``).

The password only ever travels in the sign-in request: the device keeps the token it gets.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from app.domain.errors import AnXunError
from app.store import inbox, outbox
from sync.client.api import Api, normalise_server
from sync.client.engine import SyncEngine, SyncReport
from sync.client.errors import SyncError
from sync.client.files import check_full, write_atomically
from sync.client.lock import FolderLock
from sync.client.state import credentials, forget_token, marks, save_sign_in, signed_in_user
from sync.client.transport import RequestsTransport, Transport

from .base import Service
from .sync_view import Decision, RejectedEntry, SyncStatus, decision, rejected_entry

log = logging.getLogger(__name__)

SIGN_IN_TIMEOUT_S = 30.0


class PendingChanges(AnXunError):
    """Signing out, or in to another server or user, while changes are still to send."""

    def __init__(self, detail: str, message: str, waiting: outbox.Pending):
        super().__init__(detail, message)
        self.waiting = waiting


class SyncState(Service):
    """``device.sync``."""

    transport: Transport | None = None

    def _transport(self) -> Transport:
        if self.transport is None:
            self.transport = RequestsTransport()
        return self.transport

    # --- what the strip shows ------------------------------------------------------------------

    def status(self) -> SyncStatus:
        store = self._store
        waiting = outbox.pending(store)
        done = marks(store)
        creds = credentials(store)
        user = signed_in_user(store)
        return SyncStatus(
            pending=waiting.changes + waiting.uploads, waiting=waiting, last_sync_at=done.last_success_at,
            last_attempt_at=done.last_attempt_at, online=done.online, last_error=done.last_error,
            rejected=outbox.rejected_count(store), signed_in=bool(creds and creds.token),
            user=user["name"] if user else (creds.user if creds else None), role=user.get("role") if user else None,
            server=creds.server if creds else None,
        )

    def rejected(self, limit: int = 100) -> list[RejectedEntry]:
        """What the server refused, newest first, described without internal codes."""
        return [rejected_entry(self._store, r) for r in outbox.rejected(self._store, limit)]

    def decisions(self, hazard_id: str) -> list[Decision]:
        """Office decisions on a hazard (挂牌督办, a new deadline or severity), oldest first."""
        return [decision(r) for r in inbox.decisions_of(self._store, hazard_id)]

    # --- signing in and out --------------------------------------------------------------------

    def sign_in(self, server: str, name: str, password: str) -> dict[str, Any]:
        """Exchange a name and password for a token; the password is not kept.

        :param server: e.g. ``https://sync.example.cn``.
        :returns: the user, e.g. ``{"name": "王芳", "role": "网格员", "grids": ["荷花池-01"]}``.
        :raises PendingChanges: changes made under another server or user are still to send.
        :raises SyncError: the server refused (wrong password: ``SignInNeeded``) or could not be reached.
        """
        name = name.strip()
        if not name or not password:
            raise AnXunError("sign-in without name or password", "请填写用户名和密码")
        server = normalise_server(server)
        store = self._store
        before = credentials(store)
        changing = before is not None and (before.server != server or (before.user and before.user != name))
        waiting = outbox.pending(store)
        others = store.scalar("SELECT count(*) FROM changes WHERE user_name IS NOT NULL AND user_name != ?", (name,))
        if (changing and not waiting.nothing) or others:
            raise PendingChanges(
                f"sign-in to {server} as {name} refused: {waiting} pending under {before}",
                f"本机还有{_words(waiting)}未上传（属于 {before.user if before else '其他用户'}"
                f"{'@' + before.server if before else ''}）。请先用原账号同步完成，再登录其他账号或数据中心", waiting)
        with FolderLock(self._device.data_dir, wait_s=SIGN_IN_TIMEOUT_S):
            reply = Api(server, self._transport(), remaining_s=lambda: SIGN_IN_TIMEOUT_S).sign_in(
                name, password, self._device.device_id)
            user = reply.user.model_dump()
            if changing:
                inbox.reset_cursor(store)  # another scope or server: pull everything it has
            save_sign_in(store, server, user, reply.token)
            outbox.observe(store, reply.hlc)
        self._device.office.set_role(user["role"])  # picks the check methods hidden from this inspector
        log.info("signed in to %s as %s (%s)", server, user["name"], user["role"])
        return user

    def sign_out(self, *, confirm: bool = False) -> None:
        """Forget the token (and revoke it on the server if it answers).

        :raises PendingChanges: changes are still to send and ``confirm`` is False.
        """
        store = self._store
        waiting = outbox.pending(store)
        if not waiting.nothing and not confirm:
            raise PendingChanges(f"sign-out refused: {waiting} pending",
                                 f"还有{_words(waiting)}未上传。退出登录后需用同一账号重新登录才能上传。确定退出吗？",
                                 waiting)
        creds = credentials(store)
        if creds is not None and creds.token:
            try:
                Api(creds.server, self._transport(), creds.token, remaining_s=lambda: 10.0).sign_out()
            except SyncError as exc:  # offline: the token is forgotten here all the same
                log.info("token not revoked on %s (%s); forgotten on the device", creds.server, exc)
        forget_token(store)

    # --- syncing -------------------------------------------------------------------------------

    def run(self, timeout_s: float = 120.0, *, wait_for_lock_s: float = 0.0) -> SyncReport:
        """One full sync (push, images, pull); see ``sync.client.engine``. Checklists the office
        published, and then its settings, take effect as soon as they are pulled, even when a
        later step fails.

        :raises SyncError: ``SignInNeeded``, a ``Transient`` failure, ``Refused``; what was done is kept.
        """
        device = self._device
        engine = SyncEngine(device.store, device.photo_files, device.data_dir, self._transport())
        try:
            return engine.run(timeout_s, wait_for_lock_s=wait_for_lock_s)
        finally:
            device.take_pulled()

    def fetch_photo(self, sha256: str, timeout_s: float = 60.0) -> Path:
        """The full-size photo, fetched from the server if this device has only its thumbnail.

        :raises SyncError: not signed in, the server cannot be reached, or it lacks the photo.
        """
        files = self._device.photo_files
        path = files.path(sha256)
        if path.is_file():
            return path
        creds = credentials(self._store)
        api = Api(creds.server if creds else "http://unset", self._transport(), creds.token if creds else None,
                  remaining_s=lambda: timeout_s)
        data = api.get_photo(sha256)
        check_full(data, sha256)
        write_atomically(path, data)
        return path


def _words(waiting: outbox.Pending) -> str:
    parts = [f"{n} {unit}" for n, unit in ((waiting.inspections, "项检查"), (waiting.hazards, "条隐患"),
                                           (waiting.photos, "张照片"), (waiting.sites, "个场所")) if n]
    return "、".join(parts) or f"{waiting.changes + waiting.uploads} 条修改"


__all__ = ["PendingChanges", "SyncReport", "SyncState"]
