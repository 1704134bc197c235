"""Real image bytes made by Pillow (and fake ones) for the photo tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
# Cape Town City Hall, roughly: 33°55'30"S 18°25'12"E.
GPS = {1: "S", 2: (33.0, 55.0, 30.0), 3: "E", 4: (18.0, 25.0, 12.0)}


def jpeg_bytes(gps=True, size=(40, 30)):
    image = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif.get_ifd(GPS_IFD).update(GPS)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bytes(size=(16, 16)):
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 200)).save(out, "PNG")
    return out.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg(name="photo.jpg", **kwargs):
    return upload(name, jpeg_bytes(**kwargs))


def png(name="photo.png"):
    return upload(name, png_bytes(), "image/png")


def fake(name="photo.jpg"):
    """Not an image at all, whatever its name and content type say."""
    return upload(name, b"<?php system($_GET['c']); ?>" * 10)
