"""Photo pipeline benchmark.

    python bench/photos.py            # everything (~2 min: it encodes 60 MP images)
    python bench/photos.py --quick    # the 12 MP camera JPEG and the sweep only

Speed, on a 12 MP camera-like JPEG: photo_ms (p50) / photo_p95_ms for process_photo with
watermark and thumbnail; photo_baseline_ms for a naive full-resolution decode -> resize 1920 ->
encode q80; photo_ratio; the stored sizes; photo_peak_mb (and ``..._baseline``, the unbounded
path below) for that photo. Targets: < 300 ms, < 200 MB.

Memory, on the hostile corpus (``tests/photo_corpus.py``: near-cap PNGs of a few KB in every
layout, big WebP, progressive and CMYK JPEGs near the cap, HEIC, an 8 MB colour profile):
``photo_peak_mb_<input>`` is the peak RSS (VmHWM) of a fresh interpreter that imports the
pipeline and processes that one input; ``..._baseline`` is the same for the unbounded decode
path the pipeline had before (``unbounded_process`` below: whole-image decode, JPEG draft
only, convert, resize); ``photo_accepted_<input>`` is 1 if the photo was stored, 0 if refused;
``photo_ms_<input>`` (and ``..._baseline``) is that one cold run's time, a rough figure.
Target: every ``photo_peak_mb_*`` (accepted or refused) <= 200 MB; ``photo_peak_mb_max`` is the
largest. ``photo_out_bytes_icc_8mb`` is the stored size of a photo carrying an 8 MB profile.

Start-up clean-up: ``photo_sweep_ms`` lists a photo folder of 10 000 files (5 000 photos and
their thumbnails, all recorded) the way ``open_device`` does at every start.
"""

from __future__ import annotations

import hashlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter

from app.photos import PhotoSettings, PhotoStore, Watermark, process_photo
from app.photos.watermark import bundled_font_path, draw_watermark
from tests import photo_corpus as corpus

RUNS = 10
WATERMARK = Watermark(
    taken_at=datetime(2026, 11, 29, 9, 46, 3, tzinfo=UTC),
    site="浦东新区某某化工有限公司 危废暂存间",
    inspector="王伟",
    item="灭火器压力表指针在绿区",
    gps=(31.230416, 121.473701),
)
PEAK_TARGET_MB = 200


def camera_jpeg(w: int = 4000, h: int = 3000, seed: int = 1) -> bytes:
    """12 MP photographic-ish JPEG: smooth structure, edges, sensor noise, q92, EXIF."""
    import random

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


def unbounded_process(data: bytes) -> bytes:
    """The decode path before memory was bounded: whole-image decode (only JPEG at a reduced
    scale), convert to RGB at full size, resize, watermark, encode with the profile copied."""
    img = Image.open(io.BytesIO(data), formats=["JPEG", "PNG", "WEBP", "HEIF"])
    img.getexif()
    icc = img.info.get("icc_profile")
    w0, h0 = img.size
    s = min(1.0, 1920 / max(w0, h0))
    tw, th = max(1, round(w0 * s)), max(1, round(h0 * s))
    if img.format in ("JPEG", "MPO") and (tw, th) != (w0, h0):
        img.draft("RGB", (tw, th))
    img.load()
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, (255, 255, 255))
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode != "RGB":
        img = img.convert("RGB")
    out = img.resize((tw, th), Image.Resampling.BICUBIC, reducing_gap=3.0)
    draw_watermark(out, WATERMARK.lines(), bundled_font_path())
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=80, **({"icc_profile": icc} if icc else {}))
    return buf.getvalue()


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


# --------------------------------------------------------------------------- peak memory

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r}); sys.path.insert(0, {bench!r})
import photos as bench
from app.photos import PhotoError, process_photo
from app.photos.header import heif_supported
heif_supported()
data = open({path!r}, "rb").read()
t = time.perf_counter()
try:
    if {mode!r} == "bounded":
        out = len(process_photo(data, watermark=bench.WATERMARK).jpeg)
    else:
        out = len(bench.unbounded_process(data))
    outcome = "accepted"
except PhotoError as exc:
    out, outcome = 0, type(exc).__name__
ms = (time.perf_counter() - t) * 1000
try:  # VmHWM: peak RSS of this exec'd image only.  ru_maxrss would also count the
    # parent's RSS inherited at fork time (Linux keeps the pre-exec high-water mark).
    with open("/proc/self/status") as f:
        kb = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
except (OSError, StopIteration):
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"peak_mb": kb / 1024, "ms": ms, "outcome": outcome, "out_bytes": out}}))
"""


def peak_run(path: str, mode: str = "bounded") -> dict:
    """Peak RSS (MB), time and outcome of a fresh interpreter processing one photo file."""
    code = _CHILD.format(repo=str(REPO), bench=str(REPO / "bench"), path=path, mode=mode)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=str(REPO))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def peak_rss_mb(path: str) -> float:
    return peak_run(path)["peak_mb"]


def hostile_corpus() -> dict[str, bytes]:
    """name -> file bytes; PNGs built row by row, the rest through Pillow (and pillow-heif)."""
    w, h = corpus.NEAR_CAP
    near_cap = corpus.banded_image((w, h))
    files = {
        "png_60mp": corpus.banded_png(w, h),
        "png_rgba_60mp": corpus.banded_png(w, h, colour_type=6),
        "png_1bit_60mp": corpus.banded_png(w, h, colour_type=0, bit_depth=1),
        "png_16bit_60mp": corpus.banded_png(w, h, colour_type=0, bit_depth=16),
        "png_palette_60mp": corpus.banded_png(w, h, colour_type=3),
        "png_rgb16_60mp": corpus.banded_png(w, h, colour_type=2, bit_depth=16),
        "webp_60mp": corpus.pillow_bytes(near_cap, "WEBP", quality=50),
        "jpeg_progressive_60mp": corpus.pillow_bytes(near_cap, "JPEG", quality=85,
                                                     progressive=True),
        "jpeg_cmyk_60mp": corpus.pillow_bytes(near_cap.convert("CMYK"), "JPEG", quality=85),
    }
    del near_cap
    files["webp_12mp"] = corpus.pillow_bytes(corpus.banded_image((4000, 3000)), "WEBP", quality=80)
    # Just inside the decode budget: the largest peaks an accepted photo of each kind reaches.
    files["webp_7mp"] = corpus.pillow_bytes(corpus.banded_image((3200, 2300)), "WEBP", quality=80)
    files["jpeg_progressive_30mp"] = corpus.pillow_bytes(
        corpus.banded_image((6325, 4743)), "JPEG", quality=85, progressive=True)
    files["icc_8mb"] = corpus.pillow_bytes(
        corpus.banded_image((4000, 3000)), "JPEG", quality=90,
        icc_profile=corpus.swapped_primaries_profile(pad_to=8 * 1024 * 1024))
    try:
        import pillow_heif

        if pillow_heif.libheif_info().get("encoders"):
            pillow_heif.register_heif_opener()
            for name, size in (("heic_12mp", (4032, 3024)), ("heic_24mp", (5712, 4284)),
                               ("heic_28mp", (6144, 4608)), ("heic_48mp", (8064, 6048))):
                files[name] = corpus.pillow_bytes(corpus.banded_image(size), "HEIF", quality=50)
    except ImportError:
        pass
    return files


def memory(results: list[tuple[str, float, str]], tmp: Path) -> None:
    peaks = []
    for name, data in hostile_corpus().items():
        path = tmp / name
        path.write_bytes(data)
        new, old = peak_run(str(path)), peak_run(str(path), "unbounded")
        peaks.append(new["peak_mb"])
        results += [
            (f"photo_in_bytes_{name}", float(len(data)), "B"),
            (f"photo_peak_mb_{name}", new["peak_mb"], "MB"),
            (f"photo_peak_mb_{name}_baseline", old["peak_mb"], "MB"),
            (f"photo_accepted_{name}", float(new["outcome"] == "accepted"), "bool"),
            (f"photo_ms_{name}", new["ms"], "ms"),
            (f"photo_ms_{name}_baseline", old["ms"], "ms"),
        ]
        if name == "icc_8mb":
            results += [(f"photo_out_bytes_{name}", float(new["out_bytes"]), "B"),
                        (f"photo_out_bytes_{name}_baseline", float(old["out_bytes"]), "B")]
        path.unlink()
    results += [("photo_peak_mb_max", max(peaks), "MB"),
                ("photo_peak_target_mb", float(PEAK_TARGET_MB), "MB")]


# --------------------------------------------------------------------------- start-up sweep

def sweep_ms(tmp: Path, photos: int = 5000) -> float:
    store = PhotoStore(tmp / "photos")
    shas = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(photos)]
    for sha in shas:
        for path in (store.path(sha), store.thumb_path(sha)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
    referenced = set(shas)
    times = _time(lambda: store.sweep(lambda: referenced), 5)
    return statistics.median(times)


def run(quick: bool = False) -> list[tuple[str, float, str]]:
    data = camera_jpeg()
    settings = PhotoSettings()
    results: list[tuple[str, float, str]] = []
    photo = process_photo(data, settings, WATERMARK)
    times = _time(lambda: process_photo(data, settings, WATERMARK), RUNS)
    base = _time(lambda: baseline(data), RUNS)
    p50, b50 = statistics.median(times), statistics.median(base)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "camera.jpg"
        path.write_bytes(data)
        peak = peak_rss_mb(str(path))
        peak_before = peak_run(str(path), "unbounded")["peak_mb"]
        results += [
            ("photo_in_bytes", float(len(data)), "B"),
            ("photo_ms", p50, "ms"),
            ("photo_p95_ms", _p95(times), "ms"),
            ("photo_out_bytes", float(len(photo.jpeg)), "B"),
            ("photo_thumb_bytes", float(len(photo.thumbnail)), "B"),
            ("photo_baseline_ms", b50, "ms"),
            ("photo_ratio", p50 / b50, "x"),
            ("photo_peak_mb", peak, "MB"),
            ("photo_peak_mb_baseline", peak_before, "MB"),
            ("photo_sweep_ms", sweep_ms(Path(tmp)), "ms"),
        ]
        if not quick:
            memory(results, Path(tmp))
    return results


if __name__ == "__main__":
    for name, value, unit in run(quick="--quick" in sys.argv):
        print(f"{name}: {value:.1f} {unit}", flush=True)
