"""Visit photos: accept images only, re-encode them without metadata, make a thumbnail.

Phones write the place a photo was taken into its EXIF block. Re-encoding the pixels
into a new JPEG drops every metadata block, so neither the stored file nor what the
app serves carries the GPS position (the visit keeps its own location, on purpose).
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Longest side of the stored photo and of its thumbnail, in pixels.
MAX_SIDE = 1600
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
#: Phones shrink photos before upload (the field app); 24 MP is more than any phone camera
#: keeps by default. The size is read from the file's header before anything is decoded.
#: Worst allowed cases, measured by bench/photos.py: under 200 MB and 2 s each.
MAX_PIXELS = 24_000_000
#: Pillow's WebP decoder holds the whole picture three times over (libwebp's canvas, the frame
#: it hands over, Pillow's image): a lower cap keeps it in the same budget.
MAX_PIXELS_WEBP = 10_000_000
#: A PNG decoder keeps two scanlines of up to 8 bytes a pixel: no side longer than this.
MAX_SIDE_PIXELS = 12_000
# Pillow's own guard for every image this process opens (warning above, error at twice).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile


def _jpeg(image: Image.Image, longest: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif= argument: Pillow writes no EXIF block at all.
    copy.save(buffer, format="JPEG", quality=82, optimize=True)
    return buffer.getvalue()


def _not_an_image(name: str) -> ValidationError:
    return ValidationError(
        _("Berkas %(name)s bukan gambar (hanya foto JPEG, PNG atau WebP yang diterima).") % {"name": name}
    )


def process_photo(upload, *, max_bytes: int, index: int) -> ProcessedPhoto:
    """Check one uploaded file and return the stored image and thumbnail (both JPEG)."""
    name = getattr(upload, "name", "") or f"foto-{index}"
    if upload.size > max_bytes:
        raise ValidationError(
            _("Foto %(name)s terlalu besar (%(size).1f MB); batasnya %(limit)d MB.")
            % {"name": name, "size": upload.size / 1_048_576, "limit": max_bytes // 1_048_576}
        )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # Above MAX_IMAGE_PIXELS Pillow only warns (it refuses at twice): refuse here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                image_format = probe.format
                width, height = probe.size
                probe.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise _not_an_image(name) from error
    if image_format not in ACCEPTED_FORMATS:
        raise _not_an_image(name)
    limit = MAX_PIXELS_WEBP if image_format == "WEBP" else MAX_PIXELS
    if width * height > limit or max(width, height) > MAX_SIDE_PIXELS:
        raise _too_many_pixels(name, limit)
    try:
        upload.seek(0)
        with Image.open(upload) as source:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale when that still covers MAX_SIDE: a fraction
            # of the memory and time. Other formats decode whole (at most MAX_PIXELS).
            source.draft("RGB", (MAX_SIDE, MAX_SIDE))
            source.load()
            image = _reduced(source)
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            # Honour the camera's orientation before the EXIF that carries it is dropped.
            # Turning after shrinking is the same: the size fits a square either way.
            image.info = source.info
            image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise _not_an_image(name) from error
    return ProcessedPhoto(
        image=ContentFile(_jpeg(image, MAX_SIDE), name="foto.jpg"),
        thumbnail=ContentFile(_jpeg(image, THUMB_SIDE), name="foto-kecil.jpg"),
    )


def _reduced(source: Image.Image) -> Image.Image:
    """The image shrunk by a whole factor towards MAX_SIDE (box averages), before the fine resize.

    For 8-bit bands this is Image.reduce() without its first step for RGBA and LA, a
    premultiplied copy of the whole image (96 MB at 24 MP) to average transparent pixels
    properly: a stored photo drops its alpha anyway. Palette and 16-bit images, one or two
    bytes a pixel, are left to the resize.
    """
    factor = max(source.size) // MAX_SIDE
    if factor < 2 or source.mode not in ("RGB", "RGBA", "RGBX", "L", "LA", "CMYK"):
        return source
    return source._new(source.im.reduce((factor, factor), (0, 0, *source.size)))  # noqa: SLF001


def _too_many_pixels(name: str, limit: int = MAX_PIXELS) -> ValidationError:
    return ValidationError(
        _(
            "Foto %(name)s terlalu besar ukurannya (lebih dari %(limit)d megapiksel atau sisi lebih dari "
            "%(side)d piksel). Perkecil dulu fotonya."
        )
        % {"name": name, "limit": limit // 1_000_000, "side": MAX_SIDE_PIXELS}
    )
