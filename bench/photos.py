"""Photo pipeline benchmark.

    python bench/photos.py

Figures: photo_ms (p50) / photo_p95_ms for process_photo with watermark and
thumbnail on a 12 MP camera-like JPEG; photo_baseline_ms for a naive
full-resolution decode -> resize 1920 -> encode q80; photo_ratio; the stored
size; and photo_peak_mb, the peak RSS of a fresh child process that imports
the pipeline and processes one photo.  Targets: < 300 ms, < 200 MB.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter  # noqa: E402

from app.photos import PhotoSettings, Watermark, process_photo  # noqa: E402

RUNS = 10
WATERMARK = Watermark(
    taken_at=datetime(2026, 11, 29, 9, 46, 3, tzinfo=timezone.utc),
    site="浦东新区某某化工有限公司 危废暂存间",
    inspector="王伟",
    item="灭火器压力表指针在绿区",
    gps=(31.230416, 121.473701),
)


def camera_jpeg(w: int = 4000, h: int = 3000, seed: int = 1) -> bytes:
    """12 MP photographic-ish JPEG: smooth structure, edges, sensor noise, q92, EXIF."""
    rnd = random.Random(seed)
    chans = [Image.effect_noise((w // 40, h // 40), 45).resize((w, h), Image.Resampling.BICUBIC)
             for _ in range(3)]
    img = Image.blend(Image.merge("RGB", chans),
                      Image.linear_gradient("L").resize((w, h)).convert("RGB"), 0.4)
    d = ImageDraw.Draw(img)
    for _ in range(80):
        x, y, r = rnd.randrange(w), rnd.randrange(h), rnd.randrange(30, 500)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        if rnd.random() < 0.5:
            d.rectangle([x, y, x + r, y + r // 2], outline=colour, width=rnd.randrange(2, 14))
        else:
            d.ellipse([x, y, x + r // 2, y + r // 3], fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(1.0))
    img = ImageChops.add(img, Image.effect_noise((w, h), 10).convert("RGB"), offset=-128)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "BenchCam"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:11:29 17:46:03"
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def baseline(data: bytes) -> bytes:
    """Naive pipeline: full-resolution decode, resize to 1920, encode q80."""
    img = Image.open(io.BytesIO(data))
    img.load()
    img = img.convert("RGB")
    s = 1920 / max(img.size)
    img = img.resize((round(img.width * s), round(img.height * s)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def _time(fn, runs: int) -> list[float]:
    fn()  # warm-up (font load, codec init)
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


_CHILD = """
import sys, resource
sys.path.insert(0, {repo!r})
from datetime import datetime, timezone
from app.photos import Watermark, process_photo
data = open({path!r}, "rb").read()
wm = Watermark(datetime(2026, 11, 29, 9, 46, 3, tzinfo=timezone.utc), "浦东新区某某化工有限公司 危废暂存间",
               "王伟", "灭火器压力表指针在绿区", (31.230416, 121.473701))
p = process_photo(data, watermark=wm)
try:  # VmHWM: peak RSS of this exec'd image only.  ru_maxrss would also count the
    # parent's RSS inherited at fork time (Linux keeps the pre-exec high-water mark).
    with open("/proc/self/status") as f:
        print(next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")))
except (OSError, StopIteration):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mb(path: str) -> float:
    """Peak RSS (MB) of a fresh interpreter that imports the pipeline and processes one photo."""
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(repo=str(REPO), path=path)],
                          capture_output=True, text=True, check=True, cwd=str(REPO))
    kb = int(proc.stdout.strip().splitlines()[-1])  # Linux: KiB
    return kb / 1024


def run() -> list[tuple[str, float, str]]:
    data = camera_jpeg()
    settings = PhotoSettings()
    results: list[tuple[str, float, str]] = []
    photo = process_photo(data, settings, WATERMARK)
    times = _time(lambda: process_photo(data, settings, WATERMARK), RUNS)
    base = _time(lambda: baseline(data), RUNS)
    p50, b50 = statistics.median(times), statistics.median(base)
    with tempfile.NamedTemporaryFile(suffix=".jpg", delete=False) as f:
        f.write(data)
    try:
        peak = peak_rss_mb(f.name)
    finally:
        os.unlink(f.name)
    results += [
        ("photo_in_bytes", float(len(data)), "B"),
        ("photo_ms", p50, "ms"),
        ("photo_p95_ms", _p95(times), "ms"),
        ("photo_out_bytes", float(len(photo.jpeg)), "B"),
        ("photo_thumb_bytes", float(len(photo.thumbnail)), "B"),
        ("photo_baseline_ms", b50, "ms"),
        ("photo_ratio", p50 / b50, "x"),
        ("photo_peak_mb", peak, "MB"),
    ]
    return results


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value:.1f} {unit}")
