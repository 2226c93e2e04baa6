"""What the sync strip says, without a browser: what waits in a person's words, once; when the
last sync succeeded; whether the server was reached; the last error."""

from __future__ import annotations

from datetime import UTC, datetime

from app.services import SyncStatus, Waiting
from app.ui import strings as S
from app.ui.sync_badge import SyncPanel, pending_words, strip_text


def status(waiting: Waiting, *, signed_in: bool = True, online: bool | None = True, error: str | None = None,
           last: datetime | None = None) -> SyncStatus:
    return SyncStatus(pending=waiting.changes + waiting.uploads, waiting=waiting, last_sync_at=last,
                      last_attempt_at=last, online=online, last_error=error, rejected=0, signed_in=signed_in,
                      user="王芳" if signed_in else None, role="网格员" if signed_in else None,
                      server="https://sync.example.cn")


def test_what_waits_reads_as_inspections_hazards_and_photos_not_as_rows():
    assert pending_words(Waiting(3, 5, 12, 0, changes=130, uploads=4)) == "3 项检查、5 条隐患、12 张照片待上传"
    assert pending_words(Waiting(0, 0, 0, 1, changes=1, uploads=0)) == "1 个场所待上传"
    assert pending_words(Waiting(0, 0, 0, 0, changes=0, uploads=0)) == S.NOTHING_PENDING
    assert pending_words(Waiting(0, 0, 0, 0, changes=2, uploads=0)) == "2 条修改待上传"  # nothing nameable


def test_the_strip_says_last_success_and_online_or_offline_or_not_signed_in():
    synced = datetime(2026, 12, 2, 2, 46, tzinfo=UTC)
    nothing = Waiting(0, 0, 0, 0, changes=0, uploads=0)
    assert strip_text(status(nothing, last=synced), None) == "全部已上传 · 上次同步 2026-12-02 10:46 · 在线"
    assert strip_text(status(nothing, last=synced, online=False), None).endswith(" · 离线")
    assert strip_text(status(nothing, last=synced), False).endswith(" · 离线")  # no network link at all
    assert strip_text(status(nothing, signed_in=False), None) == "全部已上传 · 尚未同步 · 未登录"
    assert strip_text(status(nothing), True, syncing=True) == "全部已上传 · 正在同步… · 在线"


def test_the_last_error_shows_under_the_strip_and_goes_with_the_next_success():
    panel = SyncPanel(full=False)
    panel.fill(status(Waiting(1, 0, 0, 0, changes=3, uploads=0), error="无法连接数据中心"), None)
    assert panel.error.visible and panel.error.value == S.SYNC_ERROR.format(error="无法连接数据中心")
    panel.fill(status(Waiting(0, 0, 0, 0, changes=0, uploads=0)), None)
    assert not panel.error.visible


def test_home_card_says_the_count_once_and_offers_sign_in_or_sync():
    card = SyncPanel(full=True)
    card.fill(status(Waiting(1, 2, 0, 0, changes=9, uploads=0), signed_in=False), None)
    assert card.label.value == "1 项检查、2 条隐患待上传" and card.account.value == S.NOT_SIGNED_IN
    assert card.sign_in_button.visible and not card.sync_button.visible
    card.fill(status(Waiting(0, 0, 0, 0, changes=0, uploads=0)), None)
    assert card.account.value == S.SIGNED_IN_AS.format(name="王芳", role="网格员") and card.sync_button.visible
    assert card.when.value == S.LAST_SYNC.format(when=S.NEVER_SYNCED)
