"""PNG pixels a few rows at a time, so a PNG near the pixel cap never sits whole in memory.

Pillow decodes a PNG into one full-size image (a 60 MP RGBA PNG of a few KB takes 240 MB).
Here the IDAT stream is inflated with ``zlib`` a strip at a time, and each strip is run through
Pillow's own PNG row decoder (``Image.frombytes(..., "zip", ...)``, which undoes the per-row
filters in C). Filters refer to the row above, so each strip is fed after a copy of the last
row of the previous strip, already unfiltered, under filter type 0 ("none"). That copy has to
be byte-exact, so the filters are undone in a *container* mode whose pixels are the raw bytes
(``L``/``LA``/``RGB``/``RGBA`` for 1–4 bytes per pixel); the strip's real pixels are then
unpacked from those bytes with Pillow's rawmode for the PNG (``P;4``, ``I;16B``, ...).

Interlaced PNGs and 16-bit RGB/RGBA (6 or 8 bytes per pixel: no byte-exact container) are
not streamable; the caller decodes those whole, within its memory budget.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from PIL import Image, PngImagePlugin

__all__ = ["PngLayout", "png_layout", "png_strips"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}          # PNG colour type -> samples per pixel
_CONTAINER = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}  # filter bytes per pixel -> byte-exact mode
_STEP = 1 << 16                                     # inflate and read at most this much at once


class PngLayout:
    """What a strip reader needs from a PNG header: row size, filter unit, where IDAT starts."""

    def __init__(self, width: int, height: int, row_bytes: int, filter_bpp: int, idat_at: int,
                 mode: str, rawmode: str) -> None:
        self.width = width
        self.height = height
        self.row_bytes = row_bytes      # unfiltered bytes of one row, without its filter byte
        self.filter_bpp = filter_bpp    # the "bpp" the PNG filters step by
        self.idat_at = idat_at          # offset of the first IDAT chunk (its length field)
        self.mode = mode                # Pillow's mode for this PNG, e.g. "P"
        self.rawmode = rawmode          # Pillow's unpacker for its rows, e.g. "P;4"

    def strip_bytes(self, rows: int) -> int:
        """Memory one strip of ``rows`` rows needs while it is decoded (inflated, container,
        unpacked pixels, flattened copy), for the caller's budget."""
        return rows * (3 * (self.row_bytes + 1) + 12 * self.width)


def png_layout(img: PngImagePlugin.PngImageFile, data: bytes) -> PngLayout | None:
    """The strip layout of an opened, not yet loaded PNG, or None if it cannot be streamed.

    :param img: ``Image.open(...)`` of ``data`` (its palette and transparency stay on it).
    :param data: the PNG file, e.g. ``b"\\x89PNG..."``.
    """
    if not data.startswith(_PNG_SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    if interlace or colour not in _CHANNELS or len(img.tile) != 1:
        return None
    bits = depth * _CHANNELS[colour]
    filter_bpp = max(1, bits // 8)
    if filter_bpp not in _CONTAINER:
        return None
    _, _, offset, args = img.tile[0]  # (decoder, box, offset of IDAT data, rawmode)
    rawmode = args[0] if isinstance(args, tuple) else args
    return PngLayout(width, height, (width * bits + 7) // 8, filter_bpp, offset - 8,
                     img.mode, rawmode)


def png_strips(img: PngImagePlugin.PngImageFile, data: bytes, layout: PngLayout,
               rows: int) -> Iterator[Image.Image]:
    """Yield the image top to bottom as strips of ``rows`` rows (the last may be shorter),
    each in ``img``'s mode with its palette and transparency.

    :param rows: rows per strip, e.g. ``96``.
    :raises EOFError: the IDAT data ends before the last row.
    :raises ValueError: a row's filter type is invalid or the data is corrupt.
    :raises zlib.error: the compressed stream is corrupt.
    """
    inflated = _Inflater(data, layout.idat_at)
    stride = layout.row_bytes + 1
    box = _CONTAINER[layout.filter_bpp]
    box_width = layout.row_bytes // layout.filter_bpp
    above = bytes(layout.row_bytes)  # PNG: the row above the first row is all zero
    for top in range(0, layout.height, rows):
        n = min(rows, layout.height - top)
        filtered = inflated.read(n * stride)
        # Row 0 of the container is the previous strip's last row, unfiltered (type 0).
        fed = zlib.compress(b"\x00" + above + filtered, 0)
        raw = Image.frombytes(box, (box_width, n + 1), fed, "zip", box).tobytes()
        above = raw[-layout.row_bytes:]
        strip = Image.frombytes(layout.mode, (layout.width, n),
                                raw[layout.row_bytes:], "raw", layout.rawmode)
        if layout.mode == "P" and img.palette is not None:
            strip.putpalette(img.palette)  # not img.getpalette(): that decodes the whole PNG
        if "transparency" in img.info:
            strip.info["transparency"] = img.info["transparency"]
        yield strip


class _Inflater:
    """The IDAT chunks' payload, decompressed on demand. Input goes to zlib ``_STEP`` bytes at a
    time and output comes back ``_STEP`` bytes at a time, so nothing but the strip being read
    is ever held, whatever the chunk sizes or the compression ratio."""

    def __init__(self, data: bytes, at: int) -> None:
        self._data = memoryview(data)
        self._at = at       # next unread payload byte (or chunk header, when _left == 0)
        self._left = 0      # payload bytes left in the current IDAT chunk
        self._z = zlib.decompressobj()
        self._pending: bytes | memoryview = b""
        self._rest = b""

    def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes of the stream.

        :raises EOFError: the stream (or the file) ends first.
        """
        parts, have = [self._rest], len(self._rest)
        while have < n:
            piece = self._more()
            if not piece:
                raise EOFError(f"PNG data ends {n - have:,} bytes short of a strip of {n:,}")
            parts.append(piece)
            have += len(piece)
        joined = b"".join(parts)
        self._rest = joined[n:]
        return joined[:n]

    def _more(self) -> bytes:
        while not self._z.eof:
            if not self._pending:
                piece = self._next_input()
                if piece is None:
                    return self._z.decompress(b"", _STEP)  # what zlib still holds back, or b""
                self._pending = piece
            out = self._z.decompress(self._pending, _STEP)
            self._pending = self._z.unconsumed_tail
            if out:
                return out
        return b""

    def _next_input(self) -> memoryview | None:
        """Up to ``_STEP`` more bytes of IDAT payload, or None after the last IDAT chunk."""
        data = self._data
        while self._left == 0:
            if self._at + 8 > len(data):
                return None
            length, kind = struct.unpack(">I4s", data[self._at:self._at + 8])
            if kind != b"IDAT":
                return None
            self._at += 8
            self._left = length
            if length == 0:
                self._at += 4  # its CRC
        take = min(self._left, _STEP, len(data) - self._at)
        if take <= 0:
            return None
        piece = data[self._at:self._at + take]
        self._at += take
        self._left -= take
        if self._left == 0:
            self._at += 4  # the chunk's CRC
        return piece
