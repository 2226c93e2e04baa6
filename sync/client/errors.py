"""What can go wrong in a sync, split by what to do about it.

    SyncError                 root (an ``AnXunError``: ``message`` is the Chinese text to show)
    ├── Transient             try again later (the command line exits 1)
    │   ├── Unreachable       no connection, a cut connection or a time-out
    │   ├── NotOurServer      a reply that is not our server's (a Wi-Fi login page, a proxy)
    │   ├── ServerBusy        5xx, 408, 429 (``retry_after_s`` when the server said)
    │   ├── OutOfTime         the sync's time limit ran out
    │   └── SyncBusy          another sync of this data folder is running
    ├── SignInNeeded          not signed in, or the token was refused: sign in again (exit 2)
    └── Refused               the server refused the request itself (``code`` from its reply)

Entries the server rejects one by one are not errors: they are results, kept for the worker.
"""

from __future__ import annotations

from typing import Any

from app.domain.errors import AnXunError


class SyncError(AnXunError):
    message = "同步未完成，请稍后重试"

    # Each kind names its message in its class line: the list of kinds reads as the list of messages.
    def __init_subclass__(cls, *, message: str | None = None, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if message is not None:
            cls.message = message


class Transient(SyncError):
    """Nothing was lost; the same step is safe to repeat."""

    retry_after_s: float | None = None


class Unreachable(Transient, message="无法连接数据中心（网络不通或服务器未开启），稍后自动重试"):
    pass


class NotOurServer(Transient, message="连接到的不是安巡数据中心（可能需要先登录 Wi-Fi 或检查地址），未上传任何数据"):
    pass


class ServerBusy(Transient, message="数据中心暂时无法处理，稍后自动重试"):
    def __init__(self, detail: str, message: str | None = None, retry_after_s: float | None = None):
        super().__init__(detail, message)
        self.retry_after_s = retry_after_s


class OutOfTime(Transient, message="同步超时，尚有数据未同步，稍后自动重试"):
    pass


class SyncBusy(Transient, message="另一个同步正在进行，请稍候"):
    pass


class SignInNeeded(SyncError, message="登录已失效，请在“设置”中重新登录数据中心"):
    #: what the worker reads when the device was never signed in (or signed out)
    NOT_SIGNED_IN = "尚未登录数据中心，请在“设置”中登录后同步"


class Refused(SyncError):
    """The server refused the request as a whole; ``code`` is its reason, e.g. ``device_mismatch``."""

    def __init__(self, detail: str, message: str, code: str, status: int):
        super().__init__(detail, message)
        self.code = code
        self.status = status
