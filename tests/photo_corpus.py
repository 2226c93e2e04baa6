"""Hostile and awkward photo inputs, generated (never stored in the repository).

Used by the photo tests and by ``bench/photos.py``. PNGs are written row by row, so a 60 MP
PNG of a few KB is built without ever holding its pixels; the other formats go through Pillow.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable

from PIL import Image, ImageCms, ImageDraw

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel
NEAR_CAP = (8944, 6708)                    # 59 997 ... pixels: just under the 60 MP cap


def _chunk(tag: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + tag + body + zlib.crc32(tag + body).to_bytes(4, "big")


def png(width: int, height: int, row: Callable[[int], bytes], *, colour_type: int = 2,
        bit_depth: int = 8, palette: bytes | None = None, trns: bytes | None = None,
        idat_size: int = 1 << 16, extra_chunks: bytes = b"") -> bytes:
    """A PNG built by hand: ``row(y)`` returns row ``y`` *with* its leading filter-type byte.

    :param row: e.g. ``lambda y: b"\\x00" + b"\\xff\\x00\\x00" * width`` (unfiltered red).
    :param idat_size: split the compressed stream into IDAT chunks of this size.
    """
    comp = zlib.compressobj(9)
    stream = b"".join(comp.compress(row(y)) for y in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    body = _chunk(b"IHDR", ihdr) + extra_chunks
    if palette is not None:
        body += _chunk(b"PLTE", palette)
    if trns is not None:
        body += _chunk(b"tRNS", trns)
    idats = b"".join(_chunk(b"IDAT", stream[i:i + idat_size])
                     for i in range(0, len(stream), idat_size)) or _chunk(b"IDAT", b"")
    return b"\x89PNG\r\n\x1a\n" + body + idats + _chunk(b"IEND", b"")


def row_bytes(width: int, colour_type: int, bit_depth: int) -> int:
    return (width * CHANNELS[colour_type] * bit_depth + 7) // 8


def banded_png(width: int, height: int, *, colour_type: int = 2, bit_depth: int = 8) -> bytes:
    """Top half one colour, bottom half another, in any PNG layout; compresses to a few KB.

    Top: red (RGB), black (grey), palette entry 1 (red), opaque red (with alpha).
    Bottom: blue (RGB), white (grey), palette entry 2 (blue), fully transparent (with alpha).
    """
    n = row_bytes(width, colour_type, bit_depth)
    sample = bit_depth // 8 or 1
    if colour_type == 2:
        top = (b"\xff" * sample + b"\x00" * sample * 2) * width
        bottom = (b"\x00" * sample * 2 + b"\xff" * sample) * width
    elif colour_type == 6:
        top = (b"\xff" * sample + b"\x00" * sample * 2 + b"\xff" * sample) * width
        bottom = b"\x00" * n
    elif colour_type == 4:
        top = (b"\x00" * sample + b"\xff" * sample) * width
        bottom = b"\x00" * n
    elif colour_type == 0:
        top, bottom = b"\x00" * n, b"\xff" * n
    else:  # palette: pack index 1 / 2 at the bit depth
        top, bottom = bytes([_repeat(1, bit_depth)]) * n, bytes([_repeat(2, bit_depth)]) * n
    palette = b"\x00\x00\x00\xff\x00\x00\x00\x00\xff" + b"\x80\x80\x80" * 13 \
        if colour_type == 3 else None
    if palette is not None and bit_depth < 4:
        palette = palette[:3 * (1 << bit_depth)]
    rows = (b"\x00" + top[:n], b"\x00" + bottom[:n])
    return png(width, height, lambda y: rows[y >= height // 2], colour_type=colour_type,
               bit_depth=bit_depth, palette=palette)


def _repeat(index: int, bit_depth: int) -> int:
    """One byte holding ``index`` in every ``bit_depth``-bit slot, e.g. (1, 2) -> 0b01010101."""
    return sum(index << (8 - bit_depth * (k + 1)) for k in range(8 // bit_depth))


def pillow_bytes(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def banded_image(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Top half red, bottom half blue, drawn at full size (Pillow-encoded formats)."""
    w, h = size
    img = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(img).rectangle([0, 0, w, h // 2 - 1], fill=(255, 0, 0))
    return img if mode == "RGB" else img.convert(mode)


def swapped_primaries_profile(pad_to: int = 0) -> bytes:
    """An RGB ICC profile that is sRGB with its red and blue primaries exchanged, so that a
    pixel (255, 0, 0) means sRGB blue. ``pad_to`` grows it with zeros to that many bytes (a
    valid profile: the header's size field covers the padding; the tags stay in front)."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    count = struct.unpack(">I", data[128:132])[0]
    table = {}
    for i in range(count):
        sig, off, size = struct.unpack(">4sII", data[132 + 12 * i:144 + 12 * i])
        table[sig] = (i, off, size)
    (ri, *r_at), (bi, *b_at) = table[b"rXYZ"], table[b"bXYZ"]
    data[132 + 12 * ri + 4:132 + 12 * ri + 12] = struct.pack(">II", *b_at)
    data[132 + 12 * bi + 4:132 + 12 * bi + 12] = struct.pack(">II", *r_at)
    if pad_to > len(data):
        data += bytes(pad_to - len(data))
    data[0:4] = struct.pack(">I", len(data))
    return bytes(data)
