"""Each stored photo gets a small thumbnail (the incident page shows it, not the full copy)."""

import io

import pytest
from PIL import Image

from reports import photos
from tests.reports import images


def read(content_file):
    return Image.open(io.BytesIO(content_file.read()))


@pytest.mark.parametrize("make, image_format", [(images.jpeg, "JPEG"), (images.png, "PNG")])
def test_a_checked_photo_has_a_small_thumbnail_without_metadata(make, image_format):
    upload = make() if image_format == "PNG" else make(size=(3000, 1500))
    checked = photos.check(upload)
    thumbnail = read(checked.thumbnail)
    assert thumbnail.format == image_format
    assert max(thumbnail.size) <= photos.THUMBNAIL_MAX_SIDE
    assert dict(thumbnail.getexif()) == {}
    public = read(checked.public)
    if image_format == "JPEG":
        assert thumbnail.size == (320, 160) and public.size == (2048, 1024)
        assert checked.thumbnail.size < checked.public.size / 10
