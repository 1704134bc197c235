"""Photo checks: a real image by its content (Pillow, not the file name), at most 10 MB; the
location from its EXIF for the JOC; a stripped copy, without any metadata, for everyone else;
and a small thumbnail for the pages that list photos (the phone downloads a few KB, not the
copy). `check()` is the one place that decodes an upload."""

import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
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
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": name})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in FORMATS or image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name})
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("%(name)s is not a photo we can read (JPEG, PNG or WebP).") % {"name": name}
        ) from None
    finally:
        upload.seek(0)
    content_type, extension = FORMATS[image.format]
    latitude, longitude = exif_location(image)
    public = stripped(image)
    return CheckedPhoto(
        upload, content_type, extension, upload.size, latitude, longitude, public, thumbnail(public)
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


def stripped(image):
    """A re-encoded copy with the pixels only: upright, at most 2048 px, no EXIF or text."""
    clean = ImageOps.exif_transpose(image)
    clean.thumbnail((PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE))
    keeps_alpha = image.format != "JPEG" and clean.has_transparency_data
    pixels = clean.convert("RGBA" if keeps_alpha else "RGB")
    pixels.info.clear()
    out = io.BytesIO()
    pixels.save(out, image.format, **({"quality": 85} if image.format != "PNG" else {}))
    return ContentFile(out.getvalue())


def thumbnail(public):
    """A copy of at most 320 px, in the photo's format, made from the stripped copy (already
    upright, clean and at most 2048 px: no second decode of the upload)."""
    public.seek(0)
    with Image.open(public) as copy:
        image_format = copy.format
        copy.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
        out = io.BytesIO()
        options = {"optimize": True} | ({"quality": 75} if image_format != "PNG" else {})
        copy.save(out, image_format, **options)
    public.seek(0)
    return ContentFile(out.getvalue())
