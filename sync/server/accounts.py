"""Accounts and tokens: who may sign in, and what a bearer token stands for.

Passwords are kept as salted scrypt hashes (slow on purpose); tokens are 256 random bits of
which only the SHA-256 is stored (fast to check on every request, useless if the database
leaks). Each token is bound to the device that signed in. Repeated wrong passwords for one
name make that name wait, doubling each time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from sync.protocol import ADMIN, ROLES

from .config import ServerSettings
from .errors import TooManyAttempts, Unauthorized
from .storage import Storage, as_utc, utc_now
from .tables import login_throttle, tokens, users

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[^\s/\\]{1,50}$")
MIN_PASSWORD = 8


def _dummy_hash(n: int) -> str:
    """Checked against when a name is unknown, so a wrong name costs as much time as a wrong password."""
    return f"scrypt${n}$8$1${'A' * 22}==${'A' * 43}="


class AccountError(Exception):
    """A refused account change; ``str()`` is the one-line reason the CLI prints."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    grids: tuple[str, ...]
    device_id: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def may_see(self, grid: str | None) -> bool:
        """Whether records of sites in ``grid`` are within this user's scope."""
        return self.is_admin or (bool(grid) and grid in self.grids)


def hash_password(password: str, *, n: int = 2**14) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64), the cost stored beside it."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=8, p=1, maxmem=256 * 1024 * 1024)
    return f"scrypt${n}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), maxmem=256 * 1024 * 1024, dklen=len(expected))
    except ValueError:
        return False
    return scheme == "scrypt" and hmac.compare_digest(got, expected)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- managing accounts (the CLI) -----------------------------------------------------------------


def add_user(storage: Storage, name: str, role: str, grids: list[str], password: str) -> User:
    """Create an account.

    :param grids: e.g. ``["荷花池-01"]``; 网格员 and 消防员 need at least one, 管理员 none.
    :raises AccountError: an existing name, a bad name, role, grid or a short password.
    """
    if not _NAME.match(name):
        raise AccountError(f"用户名无效：{name!r}（1–50 个字符，不含空格和斜杠）")
    if role not in ROLES:
        raise AccountError(f"角色无效：{role}（可选：{'、'.join(ROLES)}）")
    grids = sorted({g.strip() for g in grids if g.strip()})
    if role != ADMIN and not grids:
        raise AccountError(f"{role} 至少需要一个 --grid")
    if any(g == "*" for g in grids):
        raise AccountError("网格名不能是 *")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符")
    hashed = hash_password(password, n=storage.settings.scrypt_n)
    with storage.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.name == name)).first() is not None:
            raise AccountError(f"用户 {name} 已存在")
        user_id = conn.execute(insert(users).values(
            name=name, role=role, grids=list(grids) if role != ADMIN else [], password_hash=hashed,
            disabled=False, created_at=utc_now(),
        )).inserted_primary_key[0]
    log.info("user %s added (%s, grids %s)", name, role, grids)
    return User(user_id, name, role, tuple(grids))


def revoke_user(storage: Storage, name: str) -> int:
    """Disable an account and revoke all its tokens; returns how many tokens were live.

    :raises AccountError: no such user.
    """
    with storage.write() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.name == name)).scalar()
        if user_id is None:
            raise AccountError(f"没有用户 {name}")
        conn.execute(update(users).where(users.c.id == user_id).values(disabled=True))
        revoked = conn.execute(update(tokens).where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None))
                               .values(revoked_at=utc_now())).rowcount
    log.info("user %s revoked (%d tokens)", name, revoked)
    return revoked


def list_users(storage: Storage) -> list[dict]:
    """Every account: name, role, grids, disabled, live tokens."""
    with storage.read() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).mappings().all()
        live = dict(conn.execute(
            select(tokens.c.user_id, tokens.c.token_sha256).where(tokens.c.revoked_at.is_(None))
        ).all())
        counts: dict[int, int] = {}
        for user_id in live:
            counts[user_id] = counts.get(user_id, 0) + 1
    return [{"name": r["name"], "role": r["role"], "grids": list(r["grids"]), "disabled": r["disabled"],
             "tokens": counts.get(r["id"], 0)} for r in rows]


# --- signing in and tokens (the API) -------------------------------------------------------------


def sign_in(storage: Storage, name: str, password: str, device_id: str) -> tuple[str, User]:
    """Check a password and issue a token for one device.

    :raises TooManyAttempts: the name is waiting after repeated wrong passwords.
    :raises Unauthorized: the name or password is wrong, or the account is disabled.
    """
    settings = storage.settings
    now = utc_now()
    with storage.write() as conn:
        # Counted before the check, so a burst of parallel guesses is counted too.
        _count_attempt(conn, settings, name, now)
        row = conn.execute(select(users).where(users.c.name == name)).mappings().first()
    ok = check_password(password, row["password_hash"] if row else _dummy_hash(settings.scrypt_n))
    if not ok or row is None or row["disabled"]:
        log.warning("sign-in refused for %r (%s)", name, "wrong password" if row and not ok else
                    "unknown name" if row is None else "disabled" if ok else "wrong password")
        raise Unauthorized("用户名或密码错误", code="wrong_credentials")
    token = secrets.token_urlsafe(32)
    with storage.write() as conn:
        conn.execute(delete(login_throttle).where(login_throttle.c.name == name))
        conn.execute(insert(tokens).values(token_sha256=token_digest(token), user_id=row["id"],
                                           device_id=device_id, created_at=now))
    log.info("user %s signed in on device %s", name, device_id)
    return token, User(row["id"], row["name"], row["role"], tuple(row["grids"]), device_id)


def _count_attempt(conn: Connection, settings: ServerSettings, name: str, now: datetime) -> None:
    found = conn.execute(select(login_throttle).where(login_throttle.c.name == name)).mappings().first()
    failures = found["failures"] if found else 0
    blocked_until = as_utc(found["blocked_until"]) if found else None
    if blocked_until is not None and blocked_until > now:
        wait = max(1, int((blocked_until - now).total_seconds() + 0.999))
        raise TooManyAttempts(f"密码错误次数过多，请 {wait} 秒后再试", headers={"Retry-After": str(wait)},
                              detail=f"{name} blocked for {wait} s after {failures} attempts")
    failures += 1
    if failures >= settings.login_free_attempts:
        delay = min(settings.login_max_delay_s,
                    settings.login_base_delay_s * 2 ** (failures - settings.login_free_attempts))
        blocked_until = now + timedelta(seconds=delay)
    values = {"failures": failures, "blocked_until": blocked_until}
    if found:
        conn.execute(update(login_throttle).where(login_throttle.c.name == name).values(**values))
    else:
        conn.execute(insert(login_throttle).values(name=name, **values))


def user_for_token(storage: Storage, token: str) -> User:
    """The live account a bearer token stands for.

    :raises Unauthorized: unknown or revoked token, or a disabled account.
    """
    with storage.read() as conn:
        row = conn.execute(
            select(users.c.id, users.c.name, users.c.role, users.c.grids, tokens.c.device_id)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(tokens.c.token_sha256 == token_digest(token), tokens.c.revoked_at.is_(None),
                   users.c.disabled.is_(False))
        ).mappings().first()
    if row is None:
        raise Unauthorized(detail="unknown, revoked or disabled token")
    return User(row["id"], row["name"], row["role"], tuple(row["grids"]), row["device_id"])


def sign_out(storage: Storage, token: str) -> None:
    with storage.write() as conn:
        conn.execute(update(tokens).where(tokens.c.token_sha256 == token_digest(token),
                                          tokens.c.revoked_at.is_(None)).values(revoked_at=utc_now()))
