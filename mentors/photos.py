"""Visit photos: accept images only, re-encode them without metadata, make a thumbnail.

Phones write the place a photo was taken into its EXIF block. Re-encoding the pixels
into a new JPEG drops every metadata block, so neither the stored file nor what the
app serves carries the GPS position (the visit keeps its own location, on purpose).
"""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

#: Longest side of the stored photo and of its thumbnail, in pixels.
MAX_SIDE = 1600
THUMB_SIDE = 320
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
# Decompression bombs: refuse anything far beyond what a phone camera produces.
MAX_PIXELS = 50_000_000


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
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise UnidentifiedImageError(image_format)
        if width * height > MAX_PIXELS:
            raise ValidationError(_("Foto %(name)s terlalu besar ukurannya (piksel).") % {"name": name})
        upload.seek(0)
        with Image.open(upload) as source:
            # Honour the camera's orientation before the EXIF that carries it is dropped.
            image = ImageOps.exif_transpose(source).convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("Berkas %(name)s bukan gambar (hanya foto JPEG, PNG atau WebP yang diterima).") % {"name": name}
        ) from error
    return ProcessedPhoto(
        image=ContentFile(_jpeg(image, MAX_SIDE), name="foto.jpg"),
        thumbnail=ContentFile(_jpeg(image, THUMB_SIDE), name="foto-kecil.jpg"),
    )
