"""Look and feel: bundled CJK font, high-contrast light theme for sunlight, the 字号 setting
(``build_theme(scale)`` for themed text, ``scale_text`` for sizes a screen sets itself).

In web mode the font is not given through ``page.fonts``: the web client downloads it while the
engine starts, before the first frame (``assets/assets/FontManifest.json``, written by
``scripts/font_manifest.py``), so Chinese never shows as boxes while it loads."""

from __future__ import annotations

from pathlib import Path

import flet as ft

from app.services import AWAITING_REVIEW, CLOSED, PENDING, RECTIFYING

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
FONT_FAMILY = "AnXunCJK"

# High contrast: near-black text on white, one strong primary colour.
PRIMARY = "#0A4FA3"
ON_PRIMARY = "#FFFFFF"
TEXT = "#111111"
MUTED = "#3D3D3D"
BG = "#FFFFFF"
SURFACE = "#F2F4F7"
BORDER = "#8A8F98"
DANGER = "#B00020"
DANGER_BG = "#FDECEE"
WARN = "#8A5300"
WARN_BG = "#FFF4DB"
OK = "#1B6E20"
OK_BG = "#E6F4E7"

#: 红黄蓝 rating colours.
RATING_COLOURS = {"红": "#C62828", "黄": "#F9A825", "蓝": "#1565C0"}
#: Text on a rating colour (dark on yellow, white on the others).
RATING_TEXT_COLOURS = {"红": ON_PRIMARY, "黄": TEXT, "蓝": ON_PRIMARY}
STATUS_COLOURS = {PENDING: DANGER, RECTIFYING: WARN, AWAITING_REVIEW: PRIMARY, CLOSED: OK}

TOUCH = 48  # minimum touch target (px)
WIDE = 800  # list + detail side by side from this width


def font_file() -> str | None:
    """The bundled CJK font, relative to the assets dir (e.g. ``fonts/NotoSansSC-AnXun.otf``)."""
    fonts = ASSETS_DIR / "fonts"
    found: list[Path] = []
    for pattern in ("*.otf", "*.ttf", "*.ttc"):
        found += sorted(fonts.glob(pattern))
    if not found:
        return None
    preferred = [p for p in found if "anxun" in p.name.lower()] or [p for p in found if "sc" in p.name.lower()]
    return f"fonts/{(preferred or found)[0].name}"


def build_theme(scale: float = 1.0) -> ft.Theme:
    family = FONT_FAMILY if font_file() else None

    def ts(size: float, weight: ft.FontWeight | None = None) -> ft.TextStyle:
        # A text_theme style without font_family falls back to the platform font (tofu on web):
        # Theme.font_family alone does not reach styles given here.
        return ft.TextStyle(size=round(size * scale, 1), weight=weight, color=TEXT, font_family=family)

    return ft.Theme(
        font_family=family,
        color_scheme=ft.ColorScheme(
            primary=PRIMARY,
            on_primary=ON_PRIMARY,
            secondary=PRIMARY,
            on_secondary=ON_PRIMARY,
            surface=BG,
            on_surface=TEXT,
            on_surface_variant=MUTED,
            error=DANGER,
            outline=BORDER,
            secondary_container="#D6E4F7",
            on_secondary_container=TEXT,
            primary_container="#D6E4F7",
            on_primary_container=TEXT,
        ),
        text_theme=ft.TextTheme(
            body_large=ts(17),
            body_medium=ts(16),
            body_small=ts(14),
            title_large=ts(22, ft.FontWeight.W_600),
            title_medium=ts(18, ft.FontWeight.W_600),
            title_small=ts(16, ft.FontWeight.W_600),
            label_large=ts(16, ft.FontWeight.W_600),
            label_medium=ts(14),
            label_small=ts(13),
            headline_small=ts(22, ft.FontWeight.W_600),
        ),
        appbar_theme=ft.AppBarTheme(bgcolor=PRIMARY, color=ON_PRIMARY),
        visual_density=ft.VisualDensity.STANDARD,
        # Instant screen changes: no animation to wait for on a cheap phone in the field.
        page_transitions=ft.PageTransitionsTheme(
            android=ft.PageTransitionTheme.NONE, ios=ft.PageTransitionTheme.NONE,
            linux=ft.PageTransitionTheme.NONE, macos=ft.PageTransitionTheme.NONE,
            windows=ft.PageTransitionTheme.NONE,
        ),
    )


def apply(page: ft.Page, scale: float = 1.0) -> None:
    font = font_file()
    # A page.fonts font loads only after the first frame: the web client has it preloaded already.
    if font and not page.web:
        page.fonts = {FONT_FAMILY: font}
    page.theme_mode = ft.ThemeMode.LIGHT
    page.theme = build_theme(scale)
    page.bgcolor = BG


#: Flet controls the shell and home screen build. Flet imports a control's module on first use;
#: the first page would wait for that.
FIRST_SCREEN_CONTROLS = ("View", "AppBar", "Container", "Column", "Row", "ResponsiveRow", "Text", "Icon",
                         "IconButton", "FilledButton", "OutlinedButton", "TextButton", "Semantics",
                         "FilePicker", "Connectivity", "SnackBar", "TemplateRoute", "Component")


def preload() -> None:
    """Import the Flet modules of the first screen ahead of it (the theme's alone take ~0.3 s on a
    busy 2-core machine); web mode calls it while the browser still loads the client."""
    build_theme()
    for name in FIRST_SCREEN_CONTROLS:
        getattr(ft, name)


_CHILD_ATTRS = ("appbar", "title", "leading", "actions", "content", "controls", "label", "subtitle",
                "trailing", "suffix", "helper")


def scale_text(control: object, scale: float, _seen: set[int] | None = None) -> None:
    """Apply the 字号 setting to explicit text sizes (``Text.size``, ``TextField.text_size``).

    :param scale: e.g. ``1.2`` (大); each control is scaled once, however often a panel re-renders.
    """
    seen = _seen if _seen is not None else set()
    if control is None or id(control) in seen or not isinstance(control, ft.BaseControl):
        return
    seen.add(id(control))
    if not getattr(control, "_anxun_scaled", False):
        if isinstance(control, ft.Text) and control.size:
            control.size = round(control.size * scale, 1)
        if isinstance(control, ft.TextField) and control.text_size:
            control.text_size = round(control.text_size * scale, 1)
        control._anxun_scaled = True
    for attr in _CHILD_ATTRS:
        child = getattr(control, attr, None)
        if isinstance(child, list):
            for c in child:
                scale_text(c, scale, seen)
        else:
            scale_text(child, scale, seen)
