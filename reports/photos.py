"""Photo checks: a real image by its content (Pillow, not the file name), at most 10 MB; the
location from its EXIF for the JOC; and a stripped copy, without any metadata, for everyone else."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
MAX_PHOTOS = 5
PUBLIC_MAX_SIDE = 2048
THUMBNAIL_MAX_SIDE = 320
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
GPS_IFD = 0x8825


@dataclass
class CheckedPhoto:
    upload: object
    content_type: str
    extension: str
    size: int
    latitude: float | None
    longitude: float | None
    public: ContentFile
    thumbnail: ContentFile


def check(upload):
    """Check one uploaded file and prepare its stripped copy; ValidationError if it is not a
    JPEG, PNG or WebP image of at most 10 MB."""
    name = getattr(upload, "name", "photo")
    if upload.size > MAX_BYTES:
        raise ValidationError(f"{name} is larger than 10 MB.")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in FORMATS or image.width * image.height > MAX_PIXELS:
            raise ValidationError(f"{name} is not a JPEG, PNG or WebP photo.")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(f"{name} is not a photo we can read (JPEG, PNG or WebP).") from None
    finally:
        upload.seek(0)
    content_type, extension = FORMATS[image.format]
    latitude, longitude = exif_location(image)
    pixels = clean_pixels(image)
    return CheckedPhoto(
        upload,
        content_type,
        extension,
        upload.size,
        latitude,
        longitude,
        public=encoded(pixels, image.format, PUBLIC_MAX_SIDE),
        thumbnail=encoded(pixels, image.format, THUMBNAIL_MAX_SIDE),
    )


def exif_location(image):
    """(latitude, longitude) from the EXIF GPS tags, or (None, None)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        latitude = _degrees(gps[2], gps.get(1, "N"), "S")
        longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None, None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None, None
    return latitude, longitude


def _degrees(dms, ref, negative):
    degrees, minutes, seconds = (float(part) for part in dms)
    value = degrees + minutes / 60 + seconds / 3600
    return -value if str(ref).upper().startswith(negative) else value


def clean_pixels(image):
    """The pixels only: upright, without EXIF or text."""
    clean = ImageOps.exif_transpose(image)
    keeps_alpha = image.format != "JPEG" and clean.has_transparency_data
    pixels = clean.convert("RGBA" if keeps_alpha else "RGB")
    pixels.info.clear()
    return pixels


def encoded(pixels, image_format, max_side):
    """A copy of `pixels` at most `max_side` px on its longest side, in `image_format`: the
    stripped public copy (2048 px) and the thumbnail (320 px) the incident page shows."""
    copy = pixels.copy()
    copy.thumbnail((max_side, max_side))
    out = io.BytesIO()
    copy.save(out, image_format, **({"quality": 85} if image_format != "PNG" else {}))
    return ContentFile(out.getvalue())
