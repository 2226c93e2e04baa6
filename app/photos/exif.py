"""What a photo's EXIF says: orientation, when it was taken, where. Malformed EXIF never
rejects a photo: it reads as "unknown"."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone

from PIL import ExifTags, Image

from app.domain.clock import LOCAL_TZ

log = logging.getLogger(__name__)

ORIENTATION = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}

def taken_at(exif: Image.Exif) -> datetime | None:
    try:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
        raw = ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
        if not raw:
            return None
        if isinstance(raw, bytes):
            raw = raw.decode("ascii", "replace")
        dt = datetime.strptime(str(raw).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
        offset = ifd.get(ExifTags.Base.OffsetTimeOriginal) or ifd.get(ExifTags.Base.OffsetTime)
        tz = LOCAL_TZ  # phones without OffsetTime* record local time; we work in China
        if isinstance(offset, bytes):
            offset = offset.decode("ascii", "replace")
        if isinstance(offset, str):
            m = re.fullmatch(r"\s*([+-])(\d\d):?(\d\d)\s*\x00*", offset)
            if m:
                delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
                tz = timezone(-delta if m.group(1) == "-" else delta)
        return dt.replace(tzinfo=tz).astimezone(UTC)
    except Exception:  # noqa: BLE001 — malformed EXIF never rejects a photo; the log keeps the cause
        log.info("photo's EXIF time unreadable; the photo is kept without it", exc_info=True)
        return None

def gps_position(exif: Image.Exif) -> tuple[float, float] | None:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if not gps:
            return None

        def deg(v) -> float:
            if isinstance(v, (tuple, list)):
                parts = [float(x) for x in v] + [0.0, 0.0]
                return parts[0] + parts[1] / 60 + parts[2] / 3600
            return float(v)

        lat = deg(gps[ExifTags.GPS.GPSLatitude])
        lon = deg(gps[ExifTags.GPS.GPSLongitude])
        lat_ref = gps.get(ExifTags.GPS.GPSLatitudeRef, "N")
        lon_ref = gps.get(ExifTags.GPS.GPSLongitudeRef, "E")
        if isinstance(lat_ref, bytes):
            lat_ref = lat_ref.decode("ascii", "replace")
        if isinstance(lon_ref, bytes):
            lon_ref = lon_ref.decode("ascii", "replace")
        if str(lat_ref).strip("\x00 ").upper().startswith("S"):
            lat = -lat
        if str(lon_ref).strip("\x00 ").upper().startswith("W"):
            lon = -lon
        # A NaN (from 0/0 rationals) fails the range check too.
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None
        return (round(lat, 7), round(lon, 7))
    except Exception:  # noqa: BLE001 — as in taken_at
        log.info("photo's EXIF position unreadable; the photo is kept without it", exc_info=True)
        return None
