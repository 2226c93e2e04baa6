"""Browser-free checks of UI helpers: signature PNG export, font discovery, text scaling, answer
comparison, date picking in UTC+8, error texts, CLI defaults."""

from __future__ import annotations

import io
from datetime import date

import flet as ft
from PIL import Image

from app.ui import theme
from app.ui.answer_controls import same_answer
from app.ui.signature import strokes_to_png
from app.ui.theme import scale_text


def test_signature_png_holds_the_strokes_drawn_on_the_pad() -> None:
    png = strokes_to_png([[(10, 10), (100, 60), (200, 20)], [(50, 90)]], 300, 120)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png)).convert("L")
    assert img.size == (600, 240)  # 2x for a crisp record
    dark = sum(img.histogram()[:128])
    assert dark > 500
    assert img.getpixel((5, 230)) == 255  # untouched corner stays white


def test_chinese_is_drawn_with_the_bundled_font_at_every_text_size() -> None:
    font = theme.font_file()
    assert font is not None and font.startswith("fonts/")
    assert (theme.ASSETS_DIR / font).exists()
    t = theme.build_theme(1.2)
    assert t.font_family == theme.FONT_FAMILY
    # Styles given in text_theme must carry the family too, or Flutter web draws tofu.
    assert t.text_theme.body_medium.font_family == theme.FONT_FAMILY
    assert t.text_theme.body_medium.size == round(16 * 1.2, 1)


def test_text_size_setting_scales_each_text_once_however_often_a_panel_rerenders() -> None:
    label = ft.Text("是", size=20)
    field = ft.TextField(label="数值", text_size=17)
    root = ft.Column([ft.Container(ft.Row([label])), ft.FilledButton(content=ft.Text("否", size=10)), field])
    scale_text(root, 1.5)
    scale_text(root, 1.5)
    assert label.size == 30 and field.text_size == 25.5
    assert root.controls[1].content.size == 15


def test_an_unchanged_answer_is_recognised_so_it_is_not_saved_again() -> None:
    assert same_answer(4.0, "4") and same_answer(4.0, " 4.0 ")
    assert not same_answer(4.0, "4.5") and not same_answer(4.0, "abc")
    assert same_answer(date(2026, 11, 1), "2026-11-01")
    assert same_answer(["a"], ["a"]) and not same_answer(["a"], [])
    assert same_answer("否", "否") and not same_answer("否", "是")


def test_data_folder_and_cli_defaults(monkeypatch, tmp_path) -> None:
    from app.__main__ import parse_args
    from app.main import data_dir as default_data_dir

    monkeypatch.delenv("FLET_APP_STORAGE_DATA", raising=False)
    monkeypatch.delenv("ANXUN_DATA_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir().name == ".anxun"
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path))
    assert default_data_dir() == tmp_path
    monkeypatch.setenv("ANXUN_DATA_DIR", str(tmp_path / "cli"))
    assert default_data_dir() == tmp_path / "cli"
    args = parse_args(["--port", "9001", "--data", str(tmp_path), "--no-browser", "--host", "127.0.0.1"])
    assert (args.port, args.no_browser, args.host, args.demo) == (9001, True, "127.0.0.1", False)


def test_web_upload_cap_matches_the_photo_pipeline_limit():
    from app.__main__ import MAX_UPLOAD_BYTES
    from app.photos import PhotoSettings

    assert MAX_UPLOAD_BYTES == PhotoSettings().max_input_bytes


def test_web_mode_binds_loopback_by_default(tmp_path):
    from app.__main__ import parse_args

    assert parse_args(["--data", str(tmp_path)]).host == "127.0.0.1"


def test_the_date_picker_starts_weeks_on_monday() -> None:
    from app.ui.calendar import month_weeks
    from app.ui.strings import WEEKDAYS

    weeks = month_weeks(date(2026, 11, 20))
    assert WEEKDAYS[0] == "一"
    assert weeks[0] == [None] * 6 + [date(2026, 11, 1)]  # 1 November 2026 is a Sunday
    assert weeks[1][0] == date(2026, 11, 2) and weeks[1][0].weekday() == 0
    assert weeks[-1][:1] == [date(2026, 11, 30)]


def test_error_texts_are_the_refusals_own_and_a_bug_is_logged_with_its_traceback(caplog) -> None:
    import logging

    from app.services import ChecklistError, InspectionLocked, InvalidAnswer
    from app.ui import strings as S
    from app.ui.errors import describe
    from app.ui.photo_picker import PhotoUploadFailed

    with caplog.at_level(logging.INFO, logger="app.ui"):
        assert describe(InvalidAnswer("x", "请填写")) == "请填写"
        assert describe(InspectionLocked("i1")) == "该检查已完成，记录只读"
        assert describe(PhotoUploadFailed("timeout")) == "照片上传失败，请重试"
        assert describe(ChecklistError("/data/checklists/lifeline.yaml", "unknown field")) == \
            "检查表文件“lifeline.yaml”有误，未能加载，请联系管理员"
    # Refusals are not bugs: no error, no traceback in the log.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]

    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        bug = exc
    with caplog.at_level(logging.INFO, logger="app.ui"):
        assert describe(bug, where="hazard sheet") == S.UNEXPECTED_ERROR
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None and record.exc_info[1] is bug
    assert "hazard sheet" in record.getMessage()
    assert "Traceback" in caplog.text and "boom" in caplog.text
