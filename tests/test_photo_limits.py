"""Large photos within the pixel cap: decoded in a bounded way and downscaled right, or refused
with a message that says why. Memory itself is measured in ``bench/photos.py``; here each
decode runs under an explicit ``max_decode_bytes`` well below what a whole-image decode needs,
which only the bounded paths fit."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from app.domain.errors import AnXunError
from app.photos import PhotoError, PhotoSettings, TooBigToDecode, TruncatedImage, process_photo
from app.photos.png_rows import png_layout, png_strips
from tests.photo_corpus import (
    CHANNELS,
    NEAR_CAP,
    banded_image,
    banded_png,
    pillow_bytes,
    png,
    row_bytes,
)

MiB = 1024 * 1024
# A whole 4000x3000 RGB decode is 48 MB and an RGBA one 48 MB; a near-cap one 240 MB.
TIGHT = PhotoSettings(max_decode_bytes=24 * MiB, watermark=False)

RED, BLUE, WHITE, BLACK = (255, 0, 0), (0, 0, 255), (255, 255, 255), (0, 0, 0)


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def close_to(px, colour, tol: int = 40) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(px[:3], colour))


def assert_bands(data: bytes, size: tuple[int, int], top, bottom) -> None:
    out = decode(data)
    assert out.size == size and out.mode == "RGB"
    w, h = out.size
    for x in (5, w // 2, w - 6):
        assert close_to(out.getpixel((x, h // 4)), top), (x, out.getpixel((x, h // 4)))
        assert close_to(out.getpixel((x, 3 * h // 4)), bottom), (x, out.getpixel((x, 3 * h // 4)))


# --------------------------------------------------------------------------- PNG, streamed

def test_near_cap_png_of_a_few_kb_is_downscaled_within_a_small_budget():
    data = banded_png(*NEAR_CAP)  # 60 MP RGB: 240 MB decoded whole, ~190 KB as a file
    assert len(data) < 300_000
    photo = process_photo(data, TIGHT)
    assert (photo.width, photo.height) == (1920, 1440)
    assert (photo.original_width, photo.original_height) == NEAR_CAP
    assert_bands(photo.jpeg, (1920, 1440), RED, BLUE)


def test_near_cap_one_bit_png_bomb_is_accepted_within_a_small_budget():
    data = banded_png(*NEAR_CAP, colour_type=0, bit_depth=1)
    assert len(data) < 20_000
    photo = process_photo(data, TIGHT)
    assert_bands(photo.jpeg, (1920, 1440), BLACK, WHITE)


@pytest.mark.parametrize("colour_type,bit_depth,top,bottom", [
    (6, 8, RED, WHITE),     # RGBA: the transparent half becomes white, not black
    (3, 8, RED, BLUE),      # palette
    (3, 2, RED, BLUE),      # 2-bit palette: several pixels per byte
    (0, 16, BLACK, WHITE),  # 16-bit grey: scaled to 8 bits, not clipped
    (4, 8, BLACK, WHITE),   # grey + alpha
    (4, 16, BLACK, WHITE),  # 16-bit grey + alpha (4 bytes per pixel)
])
def test_large_png_layouts_are_streamed_and_downscaled(colour_type, bit_depth, top, bottom):
    data = banded_png(4000, 3000, colour_type=colour_type, bit_depth=bit_depth)
    photo = process_photo(data, TIGHT)
    assert_bands(photo.jpeg, (1920, 1440), top, bottom)


def _random_png(rng: random.Random, w: int, h: int, colour_type: int, bit_depth: int) -> bytes:
    n = row_bytes(w, colour_type, bit_depth)
    rows = [bytes([rng.randrange(5)]) + bytes(rng.randrange(256) if rng.random() < 0.4 else x % 251
                                            for x in range(n)) for _ in range(h)]
    palette = bytes(rng.randrange(256) for _ in range(3 * (1 << bit_depth))) \
        if colour_type == 3 else None
    trns = bytes(rng.randrange(256) for _ in range(5)) if colour_type == 3 else None
    return png(w, h, rows.__getitem__, colour_type=colour_type, bit_depth=bit_depth,
               palette=palette, trns=trns, idat_size=rng.choice([7, 100, 1 << 16]))


STREAMABLE = [(1, 0), (2, 0), (4, 0), (8, 0), (16, 0), (8, 2), (1, 3), (2, 3), (4, 3), (8, 3),
              (8, 4), (16, 4), (8, 6)]


@pytest.mark.parametrize("bit_depth,colour_type", STREAMABLE)
def test_png_strips_reproduce_pillows_pixels_exactly(bit_depth, colour_type):
    """All five row filters, rows that straddle IDAT chunks, strips of awkward heights."""
    rng = random.Random(bit_depth * 10 + colour_type)
    for w, h, rows in ((37, 29, 4), (5, 64, 1), (301, 97, 32)):
        data = _random_png(rng, w, h, colour_type, bit_depth)
        whole = decode(data)
        img = Image.open(io.BytesIO(data))
        layout = png_layout(img, data)
        assert layout is not None
        strips = list(png_strips(img, data, layout, rows))
        assert [s.height for s in strips] == [min(rows, h - y) for y in range(0, h, rows)]
        joined = Image.new(whole.mode, whole.size)
        y = 0
        for s in strips:
            joined.paste(s, (0, y))
            y += s.height
        assert joined.tobytes() == whole.tobytes()
        if whole.mode == "P":
            assert strips[0].getpalette() == whole.getpalette()
            assert strips[0].info["transparency"] == whole.info["transparency"]


def test_png_cut_inside_its_pixel_data_is_refused_as_incomplete():
    data = banded_png(4000, 3000, colour_type=6)
    with pytest.raises(TruncatedImage) as ei:
        process_photo(data[: len(data) // 2], TIGHT)
    assert ei.value.message == "图片文件不完整，可能传输中断，请重新拍摄"
    assert "PNG 4000x3000" in str(ei.value)


def test_png_with_corrupt_compressed_data_is_refused_as_incomplete():
    rng = random.Random(5)
    data = bytearray(_random_png(rng, 300, 200, 2, 8))
    at = data.index(b"IDAT") + 200
    data[at:at + 50] = bytes(rng.randrange(256) for _ in range(50))
    with pytest.raises(TruncatedImage):
        process_photo(bytes(data))


# --------------------------------------------------------------------------- decoded whole

def test_sixteen_bit_rgb_png_is_decoded_whole_only_within_the_budget():
    data = banded_png(4000, 3000, colour_type=2, bit_depth=16)  # no byte-exact container
    assert_bands(process_photo(data, PhotoSettings(watermark=False)).jpeg, (1920, 1440), RED, BLUE)
    with pytest.raises(TooBigToDecode) as ei:
        process_photo(data, TIGHT)
    e = ei.value
    assert isinstance(e, PhotoError) and isinstance(e, AnXunError)
    assert e.message.startswith("这张 PNG 图片太大，手机内存不够处理（1200 万像素")
    assert "4000x3000" in str(e) and "24 MiB" in str(e)


def test_twelve_megapixel_webp_is_refused_with_its_format_and_limit():
    """libwebp (through Pillow) holds a WebP frame four times over: 16 bytes per pixel."""
    data = pillow_bytes(banded_image((4000, 3000)), "WEBP", quality=50)
    with pytest.raises(TooBigToDecode) as ei:
        process_photo(data)
    e = ei.value
    assert e.label == "WebP" and (e.width, e.height) == (4000, 3000)
    assert "这张 WebP 图片太大" in e.message and "1200 万像素" in e.message
    assert "最多约 9" in e.message and e.message.endswith("请换成相机直接拍的 JPEG 照片")


def test_webp_within_its_limit_is_downscaled():
    data = pillow_bytes(banded_image((2400, 1800)), "WEBP", quality=80)
    photo = process_photo(data, PhotoSettings(max_edge_px=1200, watermark=False))
    assert photo.mime == "image/webp"
    assert_bands(photo.jpeg, (1200, 900), RED, BLUE)


def test_progressive_jpeg_counts_its_whole_image_coefficients():
    """A multi-scan JPEG keeps every DCT coefficient in memory whatever the draft scale; a
    baseline one of the same size does not."""
    img = banded_image((4000, 3000))
    baseline = pillow_bytes(img, "JPEG", quality=85, subsampling=0)
    progressive = pillow_bytes(img, "JPEG", quality=85, subsampling=0, progressive=True)
    assert_bands(process_photo(baseline, TIGHT).jpeg, (1920, 1440), RED, BLUE)
    with pytest.raises(TooBigToDecode) as ei:
        process_photo(progressive, TIGHT)
    assert ei.value.label == "渐进式 JPEG"
    assert "这张 渐进式 JPEG 图片太大" in ei.value.message
    # Within the default budget the same progressive JPEG is fine.
    assert_bands(process_photo(progressive, PhotoSettings(watermark=False)).jpeg,
                 (1920, 1440), RED, BLUE)


def test_trailing_image_after_a_baseline_jpeg_is_not_counted_as_scans():
    """Phones append a second JPEG (MPO, maker previews) after the first image's EOI."""
    img = banded_image((4000, 3000))
    baseline = pillow_bytes(img, "JPEG", quality=85, subsampling=0)
    trailer = pillow_bytes(img.resize((400, 300)), "JPEG", progressive=True)
    photo = process_photo(baseline + trailer, TIGHT)
    assert_bands(photo.jpeg, (1920, 1440), RED, BLUE)


def test_heic_beyond_the_budget_is_refused_and_within_it_downscaled():
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("encoders"):
        pytest.skip("no HEVC encoder in this pillow-heif build")
    pillow_heif.register_heif_opener()
    data = pillow_bytes(banded_image((2400, 1800)), "HEIF", quality=60)
    photo = process_photo(data, PhotoSettings(max_edge_px=1200, watermark=False))
    assert photo.mime == "image/heic"
    assert_bands(photo.jpeg, (1200, 900), RED, BLUE)
    with pytest.raises(TooBigToDecode) as ei:
        process_photo(data, PhotoSettings(max_decode_bytes=8 * MiB))
    assert ei.value.label == "HEIC" and "这张 HEIC 图片太大" in ei.value.message


def test_cmyk_jpeg_is_decoded_at_reduced_scale():
    data = pillow_bytes(banded_image((4000, 3000), "CMYK"), "JPEG", quality=85)
    assert_bands(process_photo(data, TIGHT).jpeg, (1920, 1440), RED, BLUE)


def test_settings_refuse_a_non_positive_decode_budget():
    with pytest.raises(ValueError):
        PhotoSettings(max_decode_bytes=0)


def test_every_streamable_layout_is_listed():
    assert {ct for _, ct in STREAMABLE} == set(CHANNELS)
