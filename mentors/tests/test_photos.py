"""Visit photos: the pixel caps hold before decoding, and the worst allowed case fits the budget.

The budget (issue 10): 200 MB and 2 s per photo. Memory is the peak resident size of a
process of its own (VmHWM, Linux), so nothing else the test run holds is counted;
bench/photos.py (whose measurement this uses) prints the figures of every worst case.
"""

import io
import re
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from bench.photos import measure
from mentors.photos import MAX_PIXELS, process_photo

LIMIT = 8 * 1024 * 1024


def encoded(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def busy(mode: str, size: tuple[int, int]) -> Image.Image:
    image = Image.linear_gradient("L").resize(size).convert(mode)
    draw = ImageDraw.Draw(image)
    for offset in range(0, size[0], 53):
        draw.line([(offset, 0), (size[0] - offset, size[1])])
    return image


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc")
@pytest.mark.parametrize(
    ("name", "image", "options"),
    [
        # The most memory per pixel at the full cap: 4 bytes a pixel, alpha.
        ("rgba.png", lambda: busy("RGBA", (4_896, 4_896)), {"format": "PNG"}),
        # WebP decodes whole three times over: its own, lower cap.
        ("rgba.webp", lambda: busy("RGBA", (3_162, 3_162)), {"format": "WEBP", "quality": 90}),
    ],
)
def test_the_worst_allowed_photo_fits_200_mb_and_2_s(tmp_path, name, image, options):
    path = tmp_path / name
    path.write_bytes(encoded(image(), **options))
    figures = measure(path)
    assert figures["stored"] == [1600, 1600]
    assert figures["megabytes"] < 200, figures
    assert figures["seconds"] < 2, figures


def upload(data: bytes, name="foto.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    ("size", "options"),
    [
        ((7_000, 7_000), {"format": "PNG"}),  # 49 MP in a few KB: the photo
        ((5_000, 5_000), {"format": "PNG"}),  # 25 MP: just over the cap
        ((3_300, 3_300), {"format": "WEBP"}),  # 10.9 MP WebP
        ((12_001, 100), {"format": "PNG"}),  # a side too long
    ],
)
def test_too_many_pixels_are_refused_from_the_header_before_decoding(size, options):
    data = encoded(Image.new("RGB", size, (10, 120, 40)), **options)
    assert len(data) < LIMIT
    started = time.monotonic()
    with pytest.raises(ValidationError, match="terlalu besar ukurannya"):
        process_photo(upload(data), max_bytes=LIMIT, index=1)
    assert time.monotonic() - started < 0.5  # nothing was decoded


def test_a_photo_at_the_cap_is_stored_shrunk_and_turned_as_the_camera_says():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned a quarter
    image = Image.new("RGB", (6_000, 4_000), (200, 120, 40))
    assert MAX_PIXELS >= 6_000 * 4_000
    photo = process_photo(upload(encoded(image, format="JPEG", exif=exif), "foto.jpg"), max_bytes=LIMIT, index=1)
    stored = Image.open(photo.image)
    assert stored.size == (1067, 1600)  # upright, longest side 1,600
    assert not stored.getexif()


def test_modes_without_a_fast_path_still_come_out_as_rgb_jpeg():
    for image in (Image.new("P", (4_000, 3_000)), Image.new("I;16", (4_000, 3_000)), Image.new("LA", (4_000, 3_000))):
        photo = process_photo(upload(encoded(image, format="PNG")), max_bytes=LIMIT, index=1)
        stored = Image.open(photo.image)
        assert (stored.format, stored.mode, stored.size) == ("JPEG", "RGB", (1600, 1200))


def test_message_names_the_limits():
    data = encoded(Image.new("RGB", (5_000, 5_000)), format="PNG")
    with pytest.raises(ValidationError) as error:
        process_photo(upload(data, "kebun.png"), max_bytes=LIMIT, index=1)
    assert re.search(r"Foto kebun.png terlalu besar ukurannya \(lebih dari 24 megapiksel", error.value.messages[0])
