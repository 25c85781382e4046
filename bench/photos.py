"""Visit photos, worst allowed cases: time and peak memory of `mentors.photos.process_photo`.

    .venv/bin/python bench/photos.py

Each case is a file a mentor's phone could send within the limits (24 MP, 8 MB): the largest
decoded size per pixel (RGBA PNG), 16-bit grey, WebP, a progressive JPEG, a 24 MP strip.
Each runs in a process of its own, so the peak resident memory it reports (VmHWM, minus the
process before the photo) is the photo's alone. Linux only; needs no database.

The budget (issue 10): at most 200 MB and 2 s per photo.
"""

import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIDE = 4_896  # 4,896² = 23.97 MP, just under the cap

# Peak resident memory from /proc (VmHWM): ru_maxrss would include the parent's, which Linux
# carries over fork and exec.
MEASURE = """
import json, re, sys, time
from django.conf import settings
settings.configure(USE_I18N=False)
from django.core.files.uploadedfile import SimpleUploadedFile
from mentors.photos import process_photo
from PIL import Image

def peak_kb():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))

upload = SimpleUploadedFile(sys.argv[1], open(sys.argv[1], "rb").read())
before = peak_kb()
started = time.monotonic()
photo = process_photo(upload, max_bytes=8 * 1024 * 1024, index=1)
seconds = time.monotonic() - started
stored = Image.open(photo.image).size
print(json.dumps({"seconds": seconds, "megabytes": (peak_kb() - before) / 1024, "stored": stored}))
"""


def cases():
    """(name, bytes) of each worst case, generated here."""
    from PIL import Image, ImageDraw

    def encoded(image, **options) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, **options)
        return buffer.getvalue()

    def busy(mode: str, size=(SIDE, SIDE)) -> Image.Image:
        # Gradients and lines: real work for the decoder, still a few MB encoded.
        image = Image.linear_gradient("L").resize(size).convert(mode)
        draw = ImageDraw.Draw(image)
        for offset in range(0, size[0], 37):
            draw.line([(offset, 0), (size[0] - offset, size[1])], fill=(offset * 7) % 255 if mode in "LI;16" else None)
        return image

    webp_side = 3_162  # 10 MP, the WebP cap
    yield "PNG RGBA 24 MP", encoded(busy("RGBA"), format="PNG", compress_level=9)
    yield "PNG 16-bit RGBA 24 MP", encoded(busy("RGBA"), format="PNG", bits=16)
    yield "PNG 16-bit grey 24 MP", encoded(busy("I;16"), format="PNG")
    yield "PNG palette 24 MP", encoded(busy("RGB").quantize(256), format="PNG")
    yield "WebP RGBA 10 MP", encoded(busy("RGBA", (webp_side, webp_side)), format="WEBP", quality=90)
    yield "JPEG progressive 24 MP", encoded(busy("RGB"), format="JPEG", quality=95, progressive=True)
    yield "JPEG CMYK 24 MP", encoded(busy("RGB").convert("CMYK"), format="JPEG", quality=60)
    yield "PNG strip 12,000 x 2,000", encoded(busy("RGBA", (12_000, 2_000)), format="PNG")


def measure(path: Path) -> dict:
    """Process the photo at `path` in a fresh interpreter: seconds, peak megabytes, stored size."""
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    worst_seconds = worst_megabytes = 0.0
    print(f"{'case':<28} {'file':>8} {'time':>7} {'peak memory':>12}")
    with tempfile.TemporaryDirectory() as folder:
        for name, data in cases():
            path = Path(folder) / "photo"
            path.write_bytes(data)
            figures = measure(path)
            worst_seconds = max(worst_seconds, figures["seconds"])
            worst_megabytes = max(worst_megabytes, figures["megabytes"])
            print(
                f"{name:<28} {len(data) / 1_048_576:>6.1f}MB {figures['seconds']:>6.2f}s {figures['megabytes']:>9.0f} MB"
            )
    print(f"worst: {worst_seconds:.2f} s, {worst_megabytes:.0f} MB (budget 2 s, 200 MB)")
    return 0 if worst_seconds <= 2 and worst_megabytes <= 200 else 1


if __name__ == "__main__":
    sys.exit(main())
