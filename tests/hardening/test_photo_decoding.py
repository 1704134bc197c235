"""Decoding photos is bounded (issue 19 item 5): a photo with more pixels than the limit is
refused before it is decoded, a large JPEG is decoded in draft mode (at a fraction of its size),
and one process decodes one photo at a time. The memory figure is `make bench`'s."""

import io
import threading

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from reports import photos
from tests.reports import images

SIDE = 7070  # 50 million pixels: 650 MB when the probe decoded it whole


def big(fmt, size=(SIDE, SIDE)):
    out = io.BytesIO()
    Image.new("RGB", size, (90, 120, 200)).save(out, fmt)
    return images.upload(f"big.{fmt.lower()}", out.getvalue(), f"image/{fmt.lower()}")


def test_a_7070_pixel_square_png_is_refused_before_decoding():
    upload = big("PNG")
    assert upload.size < 1024 * 1024  # small on the wire, 200 MB decoded
    with pytest.raises(ValidationError, match="big.png has too many pixels"):
        photos.check(upload)


def test_a_7070_pixel_square_jpeg_is_decoded_in_draft_mode_and_kept_downscaled():
    upload = big("JPEG")
    with photos.decoded(upload) as image:
        assert max(image.size) <= photos.PUBLIC_MAX_SIDE
        assert image.width * image.height <= photos.MAX_PIXELS
    checked = photos.check(upload)
    assert max(Image.open(checked.public).size) == photos.PUBLIC_MAX_SIDE


def test_a_jpeg_draft_mode_cannot_shrink_enough_is_refused():
    """Long and thin: no draft scale brings it under the limit, so it is never decoded."""
    with pytest.raises(ValidationError, match="too many pixels"):
        photos.check(big("JPEG", size=(40000, 500)))


def test_one_photo_is_decoded_at_a_time_per_process():
    first, second = images.jpeg(), images.jpeg(name="second.jpg")
    holding, release = threading.Event(), threading.Event()
    finished = threading.Event()

    def hold_a_slot():
        with photos.decoded(first):
            holding.set()
            release.wait(10)

    def check_another():
        photos.check(second)
        finished.set()

    holder = threading.Thread(target=hold_a_slot)
    holder.start()
    holding.wait(10)
    waiter = threading.Thread(target=check_another)
    waiter.start()
    assert not finished.wait(0.5)  # waits for the slot
    release.set()
    assert finished.wait(10)
    holder.join()
    waiter.join()
