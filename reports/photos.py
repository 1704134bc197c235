"""Photo checks: a real image by its content (Pillow, not the file name), at most 10 MB and
`MAX_PIXELS` decoded; the location from its EXIF for the JOC; and a stripped copy, without any
metadata, for everyone else. Every decode goes through `decoded()`, which bounds the memory a
photo can take: one decode at a time per process, JPEG draft mode, a pixel limit checked
before decoding. A 320 px thumbnail of the stripped copy is for the pages that list photos (a
phone downloads a few KB, not the copy)."""

import ctypes
import ctypes.util
import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# Pixels a photo may have after JPEG draft mode (a JPEG is decoded at 1/2, 1/4 or 1/8 of its
# size when that is still large enough for the copy kept): 16 million pixels are at most 64 MB
# decoded, so one decode at a time keeps a server process far below 200 MB whatever is sent.
MAX_PIXELS = 16_000_000
# PNG and WebP have no draft mode and take far more memory to decode than their pixels
# (a 16-megapixel RGBA PNG took about 170 MB): a phone's screenshot or photo is well below this.
MAX_LOSSLESS_PIXELS = 8_000_000
# At most this many photos are decoded at once in one server process, whichever request they
# come from (`decoded`); the others wait their turn.
DECODES_AT_ONCE = 1
MAX_PHOTOS = 5
PUBLIC_MAX_SIDE = 2048
THUMBNAIL_MAX_SIDE = 320
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
GPS_IFD = 0x8825
_decode_slots = threading.BoundedSemaphore(DECODES_AT_ONCE)


class WrongFormat(ValueError):
    """A real image, but not a JPEG, PNG or WebP photo."""


class TooLarge(ValueError):
    """The photo has more pixels than `MAX_PIXELS` even at its smallest decodable size."""


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


@contextmanager
def decoded(upload, max_side=PUBLIC_MAX_SIDE):
    """The one way a photo is decoded: holds one of the process's decode slots, opens the file,
    refuses a format other than JPEG, PNG or WebP (WrongFormat) and more pixels than
    `MAX_PIXELS` (TooLarge) before decoding anything, decodes a JPEG in draft mode at the
    smallest scale still at least `max_side`, and yields the image at most `max_side` pixels
    on its longer side, decoded. Keep no reference to it after the block."""
    with _decode_slots:
        upload.seek(0)
        image = Image.open(upload)
        try:
            if image.format not in FORMATS:
                raise WrongFormat(image.format)
            if image.format == "JPEG":
                image.draft(None, (max_side, max_side))
            limit = MAX_PIXELS if image.format == "JPEG" else MAX_LOSSLESS_PIXELS
            if image.width * image.height > limit:
                raise TooLarge(f"{image.width}x{image.height}")
            image.thumbnail((max_side, max_side))
            image.load()
            yield image
        finally:
            # Not image.close(): that would close the upload, which is stored afterwards. The
            # pixels go with the last reference to `image`, inside the slot, and the memory
            # goes back to the system before the next decode (on another thread, whose malloc
            # arena would otherwise keep its own copy of the peak).
            del image
            _give_back_memory()
            upload.seek(0)


def _give_back_memory():
    if _libc is not None:
        _libc.malloc_trim(0)


def _load_libc():
    """glibc, for malloc_trim (Linux); None elsewhere (then freed memory is simply reused)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 (absent outside glibc)
    except (OSError, AttributeError):
        return None
    return libc


_libc = _load_libc()


def check(upload):
    """Check one uploaded file and prepare its stripped copy; ValidationError if it is not a
    JPEG, PNG or WebP image of at most 10 MB and `MAX_PIXELS`."""
    name = getattr(upload, "name", "photo")
    if upload.size > MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than 10 MB.") % {"name": name})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            probe.verify()
        with decoded(upload) as image:
            content_type, extension = FORMATS[image.format]
            latitude, longitude = exif_location(image)
            public, thumbnail = stripped(image)
            del image  # the pixels go now, while this request still holds the decode slot
    except WrongFormat:
        raise ValidationError(
            _("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}
        ) from None
    except (TooLarge, Image.DecompressionBombError):
        raise ValidationError(
            _(
                "%(name)s has too many pixels: send a JPEG photo of at most %(megapixels)s "
                "megapixels (a phone camera's normal setting)."
            )
            % {"name": name, "megapixels": MAX_PIXELS // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("%(name)s is not a photo we can read (JPEG, PNG or WebP).") % {"name": name}
        ) from None
    finally:
        upload.seek(0)
    return CheckedPhoto(
        upload, content_type, extension, upload.size, latitude, longitude, public, thumbnail
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
    """Re-encoded copies with the pixels only: upright, no EXIF or text (`image` comes from
    `decoded`, already at most 2048 px): the public copy, and a thumbnail of at most 320 px
    for pages that show many photos."""
    clean = ImageOps.exif_transpose(image)
    keeps_alpha = image.format != "JPEG" and clean.has_transparency_data
    pixels = clean.convert("RGBA" if keeps_alpha else "RGB")
    pixels.info.clear()
    public = _encoded(pixels, image.format)
    pixels.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
    return public, _encoded(pixels, image.format)


def _encoded(pixels, image_format):
    out = io.BytesIO()
    pixels.save(out, image_format, **({"quality": 85} if image_format != "PNG" else {}))
    return ContentFile(out.getvalue())
