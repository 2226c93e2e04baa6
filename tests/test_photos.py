"""Photo pipeline tests: real Pillow, real files, no mocks (except a simulated crash)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageFont, ImageStat

from app.domain.errors import AnXunError
from app.photos import (
    FileTooLarge,
    ImageTooLarge,
    NotAnImage,
    PhotoError,
    PhotoNotSaved,
    PhotoSettings,
    PhotoStore,
    ProcessedPhoto,
    StorageFull,
    TruncatedImage,
    Watermark,
    bundled_font_path,
    process_photo,
)

REPO = Path(__file__).resolve().parents[1]
RED = (230, 20, 20)


# --------------------------------------------------------------------------- helpers

def camera_jpeg(w: int = 4000, h: int = 3000, orientation: int | None = 6, quality: int = 92,
                exif_extra: bool = False) -> bytes:
    """Photographic-ish JPEG; a red block marks the stored image's top-left corner."""
    img = Image.effect_noise((w // 8, h // 8), 50).resize((w, h)).convert("RGB")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w // 5, h // 5], fill=RED)
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if exif_extra:
        exif[ExifTags.Base.Make] = "TestCam"
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        ifd[ExifTags.Base.DateTimeOriginal] = "2026:11:29 17:46:03"
        ifd[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = (31.0, 13.0, 49.5)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 25.32)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def is_red(px) -> bool:
    r, g, b = px[:3]
    return r > 180 and g < 80 and b < 80


WM = Watermark(
    taken_at=datetime(2026, 11, 29, 9, 46, 3, tzinfo=timezone.utc),
    site="浦东新区某某化工有限公司 危废暂存间",
    inspector="王伟",
    item="灭火器压力表指针在绿区",
    gps=(31.230416, 121.473701),
)


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    return camera_jpeg()


# --------------------------------------------------------------------------- processing

def test_exif_orientation_6_gives_portrait_1920(big_jpeg):
    p = process_photo(big_jpeg, watermark=None)
    assert (p.width, p.height) == (1440, 1920)
    assert (p.original_width, p.original_height) == (3000, 4000)
    out = decode(p.jpeg)
    assert out.format == "JPEG" and out.mode == "RGB" and out.size == (1440, 1920)
    # orientation 6 = rotate 90° clockwise for display: stored top-left -> top-right
    assert is_red(out.getpixel((1440 - 40, 40)))
    assert not is_red(out.getpixel((40, 40)))
    assert p.mime == "image/jpeg"


@pytest.mark.parametrize("orientation,corner", [
    (1, "tl"), (2, "tr"), (3, "br"), (4, "bl"), (5, "tl"), (7, "br"), (8, "bl"),
])
def test_all_orientations(orientation, corner):
    p = process_photo(camera_jpeg(400, 300, orientation=orientation),
                      PhotoSettings(max_edge_px=200), None)
    portrait = orientation >= 5
    assert (p.width, p.height) == ((150, 200) if portrait else (200, 150))
    out = decode(p.jpeg)
    w, h = out.size
    pts = {"tl": (8, 8), "tr": (w - 9, 8), "bl": (8, h - 9), "br": (w - 9, h - 9)}
    assert is_red(out.getpixel(pts[corner]))
    assert sum(is_red(out.getpixel(xy)) for xy in pts.values()) == 1


def test_hashes_and_thumbnail(big_jpeg):
    p = process_photo(big_jpeg, watermark=WM)
    assert p.sha256 == hashlib.sha256(p.jpeg).hexdigest()
    assert p.original_sha256 == hashlib.sha256(big_jpeg).hexdigest()
    thumb = decode(p.thumbnail)
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    assert thumb.size == (240, 320)
    assert len(p.jpeg) < len(big_jpeg)
    # deterministic: same input, same stored bytes (content addressing relies on it)
    assert process_photo(big_jpeg, watermark=WM).sha256 == p.sha256


def test_output_has_no_exif_and_metadata_is_read():
    data = camera_jpeg(800, 600, orientation=1, exif_extra=True)
    p = process_photo(data)
    assert b"Exif" not in p.jpeg and b"TestCam" not in p.jpeg
    assert len(decode(p.jpeg).getexif()) == 0
    assert p.taken_at == datetime(2026, 11, 29, 9, 46, 3, tzinfo=timezone.utc)
    lat, lon = p.gps
    assert lat == pytest.approx(31 + 13 / 60 + 49.5 / 3600, abs=1e-6)
    assert lon == pytest.approx(121 + 28 / 60 + 25.32 / 3600, abs=1e-6)


def test_no_exif_gives_none():
    p = process_photo(camera_jpeg(300, 200, orientation=None))
    assert p.taken_at is None and p.gps is None


def test_png_with_alpha_becomes_rgb_jpeg_on_white():
    img = Image.new("RGBA", (600, 400), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle([0, 0, 299, 399], fill=(10, 40, 200, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    p = process_photo(buf.getvalue(), watermark=None)
    out = decode(p.jpeg)
    assert out.format == "JPEG" and out.mode == "RGB"
    assert p.mime == "image/png"
    assert (p.width, p.height) == (600, 400)  # never upscaled
    r, g, b = out.getpixel((450, 200))
    assert min(r, g, b) > 240  # transparent -> white, not black
    assert out.getpixel((100, 200))[2] > 150


@pytest.mark.parametrize("mode", ["L", "P", "I;16", "LA", "1", "CMYK"])
def test_other_modes(mode):
    img = Image.linear_gradient("L").resize((300, 200)).convert(mode) if mode != "I;16" \
        else Image.linear_gradient("L").resize((300, 200)).convert("I").point(lambda v: v * 256).convert("I;16")
    buf = io.BytesIO()
    img.save(buf, "JPEG" if mode == "CMYK" else "PNG")
    p = process_photo(buf.getvalue())
    out = decode(p.jpeg)
    assert out.mode == "RGB" and out.size == (300, 200)
    if mode == "I;16":  # 16-bit scaled down, not clipped to white
        top, bottom = out.getpixel((150, 5))[0], out.getpixel((150, 195))[0]
        assert top < 30 and bottom > 220


def test_webp_accepted():
    buf = io.BytesIO()
    Image.new("RGB", (500, 300), (20, 120, 40)).save(buf, "WEBP", quality=80)
    p = process_photo(buf.getvalue())
    assert p.mime == "image/webp" and (p.width, p.height) == (500, 300)


def test_heic_accepted_if_available():
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("encoders"):
        pytest.skip("no HEVC encoder in this pillow-heif build")
    pillow_heif.register_heif_opener()
    img = Image.new("RGB", (640, 480), (30, 30, 30))
    ImageDraw.Draw(img).rectangle([0, 0, 100, 100], fill=RED)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    buf = io.BytesIO()
    img.save(buf, "HEIF", quality=90, exif=exif.tobytes())
    p = process_photo(buf.getvalue(), PhotoSettings(max_edge_px=320))
    assert p.mime == "image/heic"
    assert (p.width, p.height) == (240, 320)
    assert is_red(decode(p.jpeg).getpixel((230, 10)))


def test_watermark_changes_bottom_band_only(big_jpeg):
    plain = process_photo(big_jpeg, watermark=None)
    marked = process_photo(big_jpeg, watermark=WM)
    a, b = decode(plain.jpeg), decode(marked.jpeg)
    assert a.size == b.size == (1440, 1920)
    w, h = a.size
    top = (0, 0, w, h // 2)
    assert a.crop(top).tobytes() == b.crop(top).tobytes()
    band = (0, int(h * 0.92), w, h)
    ga, gb = a.crop(band).convert("L"), b.crop(band).convert("L")
    assert ImageStat.Stat(gb).mean[0] < ImageStat.Stat(ga).mean[0] * 0.75  # darkened
    assert gb.getextrema()[1] > 230  # white text present
    assert plain.sha256 != marked.sha256
    # settings.watermark=False disables it even when a Watermark is given
    off = process_photo(big_jpeg, PhotoSettings(watermark=False), WM)
    assert off.sha256 == plain.sha256


def test_watermark_text_and_wrapping_on_small_image():
    data = camera_jpeg(120, 90, orientation=None)
    long = Watermark(WM.taken_at, "很长的地点名称" * 20, "检查员", "项目" * 30, None)
    p = process_photo(data, watermark=long)
    assert (p.width, p.height) == (120, 90)
    assert WM.lines()[0] == "时间 2026-11-29 17:46:03"  # Asia/Shanghai local time
    assert WM.lines()[-1] == "GPS 31.230416°N, 121.473701°E"
    assert Watermark(WM.taken_at, "a\nb", "c").lines() == ["时间 2026-11-29 17:46:03", "地点 a b", "检查人 c"]


def test_watermark_requires_aware_time():
    with pytest.raises(ValueError):
        Watermark(datetime(2026, 11, 29, 9, 46, 3), "site", "me")
    other_tz = datetime(2026, 11, 29, 1, 46, 3, tzinfo=timezone(timedelta(hours=-8)))
    assert Watermark(other_tz, "s", "i").lines()[0] == "时间 2026-11-29 17:46:03"


# --------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("data", [
    bytes(random.Random(7).randrange(256) for _ in range(5000)),
    "巡检记录：这不是图片\n".encode() * 50,
    b"\xff\xd8\xff",  # JPEG magic only
])
def test_not_an_image(data):
    with pytest.raises(NotAnImage) as ei:
        process_photo(data)
    assert "文件不是图片" in ei.value.message or "不完整" in ei.value.message
    assert isinstance(ei.value, PhotoError) and isinstance(ei.value, AnXunError)


def test_empty_and_unsupported_format():
    with pytest.raises(NotAnImage) as ei:
        process_photo(b"")
    assert "文件不是图片（支持 JPEG/PNG" in ei.value.message
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "GIF")
    with pytest.raises(NotAnImage) as ei:
        process_photo(buf.getvalue())
    assert ei.value.detected == "GIF" and "GIF" in ei.value.message and "GIF" in str(ei.value)


def test_truncated_jpeg(big_jpeg):
    with pytest.raises(TruncatedImage) as ei:
        process_photo(big_jpeg[: len(big_jpeg) // 2])
    assert ei.value.message == "图片文件不完整，可能传输中断，请重新拍摄"
    assert "4000x3000" in str(ei.value)


def test_truncated_png():
    buf = io.BytesIO()
    Image.effect_noise((300, 300), 50).save(buf, "PNG")
    data = buf.getvalue()
    with pytest.raises(TruncatedImage):
        process_photo(data[: len(data) // 2])


def _png_1bit(w: int, h: int) -> bytes:
    """A valid all-black 1-bit PNG, built by hand so nothing big is allocated."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + tag + body
                + zlib.crc32(tag + body).to_bytes(4, "big"))
    row = b"\x00" * (1 + (w + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(h)) + comp.flush()
    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_refused():
    data = _png_1bit(20000, 20000)  # 4 亿 pixels in a few hundred KB
    assert len(data) < 1_000_000
    with pytest.raises(ImageTooLarge) as ei:
        process_photo(data)
    assert "图片像素过大" in ei.value.message and "6000 万" in ei.value.message


def test_pixel_guard_below_pillow_limit():
    data = _png_1bit(9000, 8000)  # 7200 万: under Pillow's own bomb limit, over ours
    with pytest.raises(ImageTooLarge) as ei:
        process_photo(data)
    e = ei.value
    assert (e.width, e.height, e.max_pixels) == (9000, 8000, 60_000_000)
    assert e.message == "图片像素过大（7200 万像素，上限 6000 万）"
    assert "9000x8000" in str(e) and "60,000,000" in str(e)


def test_pixel_guard_is_per_call(big_jpeg):
    with pytest.raises(ImageTooLarge):
        process_photo(big_jpeg, PhotoSettings(max_pixels=1_000_000))
    process_photo(big_jpeg)  # default settings still fine


def test_file_too_large_checked_before_decoding():
    junk = b"\x00" * 3000  # not an image either: size must be checked first
    with pytest.raises(FileTooLarge) as ei:
        process_photo(junk, PhotoSettings(max_input_bytes=2000))
    assert (ei.value.size, ei.value.limit) == (3000, 2000)
    assert "3,000 bytes" in str(ei.value)
    assert ei.value.message.startswith("文件过大（")
    e = FileTooLarge(31 * 1024 * 1024 + 400_000, 25 * 1024 * 1024)
    assert e.message == "文件过大（31 MB，上限 25 MB）"
    assert FileTooLarge(int(2.5 * 1024 * 1024), 2 * 1024 * 1024).message == "文件过大（2.5 MB，上限 2 MB）"


# --------------------------------------------------------------------------- store

@pytest.fixture(scope="module")
def small_photo() -> ProcessedPhoto:
    return process_photo(camera_jpeg(800, 600), watermark=WM)


def _all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_store_put_layout_and_idempotent(tmp_path, small_photo):
    store = PhotoStore(tmp_path)
    sha = small_photo.sha256
    path = store.put(small_photo)
    assert path == tmp_path / sha[:2] / f"{sha}.jpg" == store.path(sha)
    assert store.thumb_path(sha) == tmp_path / "thumbs" / sha[:2] / f"{sha}.jpg"
    assert store.open(sha) == small_photo.jpeg
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert store.thumb_path(sha).read_bytes() == small_photo.thumbnail
    assert _all_files(tmp_path) == sorted([path, store.thumb_path(sha)])  # no temp files
    inode = path.stat().st_ino
    assert store.put(small_photo) == path
    assert path.stat().st_ino == inode  # not written again
    assert len(_all_files(tmp_path)) == 2


def test_store_crash_mid_write_leaves_nothing(tmp_path, small_photo, monkeypatch):
    store = PhotoStore(tmp_path)

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(StorageFull) as ei:
        store.put(small_photo)
    assert ei.value.message.startswith("存储空间不足")
    assert "No space left on device" in str(ei.value)
    assert not store.path(small_photo.sha256).exists()
    assert _all_files(tmp_path) == []
    monkeypatch.undo()
    assert store.put(small_photo).read_bytes() == small_photo.jpeg


def test_store_crash_after_thumb_recovers(tmp_path, small_photo, monkeypatch):
    store = PhotoStore(tmp_path)
    real_replace = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(5, "I/O error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(PhotoNotSaved) as ei:
        store.put(small_photo)
    assert ei.value.message == "照片保存失败（存储读写出错），请重试"
    assert "I/O error" in str(ei.value)
    assert not store.path(small_photo.sha256).exists()
    assert _all_files(tmp_path) == [store.thumb_path(small_photo.sha256)]
    monkeypatch.undo()
    store.put(small_photo)
    assert store.open(small_photo.sha256) == small_photo.jpeg


def test_store_rejects_bad_sha_and_mismatch(tmp_path, small_photo):
    store = PhotoStore(tmp_path)
    for bad in ("../../etc/passwd", "AB" * 32, "ab", ""):
        with pytest.raises(ValueError):
            store.path(bad)
    forged = ProcessedPhoto(**{**small_photo.__dict__, "sha256": "0" * 64})
    with pytest.raises(PhotoError):
        store.put(forged)
    assert _all_files(tmp_path) == []
    with pytest.raises(FileNotFoundError):
        store.open(small_photo.sha256)


# --------------------------------------------------------------------------- font

def test_bundled_font_path(monkeypatch, tmp_path):
    monkeypatch.delenv("FLET_ASSETS_DIR", raising=False)
    default = bundled_font_path()
    assert default == REPO / "assets" / "fonts" / "NotoSansSC-AnXun.otf"
    assert default.is_file() and default.stat().st_size < 5_000_000
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "NotoSansSC-AnXun.otf").write_bytes(default.read_bytes())
    monkeypatch.setenv("FLET_ASSETS_DIR", str(tmp_path))
    assert bundled_font_path() == tmp_path / "fonts" / "NotoSansSC-AnXun.otf"
    monkeypatch.setenv("FLET_ASSETS_DIR", str(tmp_path / "missing"))
    assert bundled_font_path() == default  # falls back to a font that exists


def test_font_covers_gb2312_and_ui_strings():
    ttLib = pytest.importorskip("fontTools.ttLib")
    font = ttLib.TTFont(str(bundled_font_path()))
    cmap = font.getBestCmap()
    assert font["name"].getDebugName(1) == "Noto Sans SC AnXun"
    for ch in "安巡检查人时间地点灭火器危废，。：（）０℃":
        assert ord(ch) in cmap, ch
    hanzi = [bytes([hi, lo]).decode("gb2312") for hi in (0xB0, 0xD7, 0xF7) for lo in (0xA1, 0xB0, 0xF9)]
    assert all(ord(c) in cmap for c in hanzi)
    missing = set()
    for d in ("app", "checklists", "sync"):
        for p in list((REPO / d).rglob("*.py")) + list((REPO / d).rglob("*.yaml")):
            for ch in p.read_text(encoding="utf-8"):
                cp = ord(ch)
                if (0x4E00 <= cp <= 0x9FFF or 0x3000 <= cp <= 0x303F or 0xFF00 <= cp <= 0xFFEF) \
                        and cp not in cmap:
                    missing.add(ch)
    assert not missing, (f"UI strings use characters missing from the bundled font: "
                         f"{''.join(sorted(missing))} — run `python scripts/build_font.py`")


def test_watermark_renders_cjk_glyphs_not_tofu():
    font = ImageFont.truetype(str(bundled_font_path()), 40)

    def render(ch: str) -> bytes:
        im = Image.new("L", (60, 60))
        ImageDraw.Draw(im).text((5, 5), ch, font=font, fill=255)
        return im.tobytes()

    tofu = render("\U0010fffd")
    for ch in "检查人王伟":
        assert render(ch) != tofu
