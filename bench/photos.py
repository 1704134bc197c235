"""Peak memory of decoding the worst upload mix (issue 19 item 5): three requests at once, each
with five photos of 7070 x 7070 pixels (PNG and JPEG, small on the wire), checked by
`reports.photos.check` in a fresh process. Run as `python -m bench.photos DIR` with the files
already in DIR (made by `make_files`, in the parent, so making them costs the child nothing);
prints JSON: the child's RSS before, its peak, and what each photo came to."""

import json
import math
import sys
import threading
from pathlib import Path

SIDE = 7070
REQUESTS = 3
PER_REQUEST = 5


def make_files(directory):
    from PIL import Image

    image = Image.new("RGB", (SIDE, SIDE), (90, 120, 200))
    for fmt in ("PNG", "JPEG"):
        image.save(Path(directory) / f"big.{fmt.lower()}", fmt)
    # The largest PNG that is taken: what the limit allows a request to decode.
    from reports.photos import MAX_LOSSLESS_PIXELS

    side = math.isqrt(MAX_LOSSLESS_PIXELS)
    Image.new("RGBA", (side, side), (0, 128, 255, 200)).save(Path(directory) / "limit.png")


def peak_mb():
    """This process's peak resident memory (VmHWM: unlike getrusage's maxrss it starts afresh
    at exec, so the parent that made the big files does not count)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def main(directory):
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reports import photos

    files = {p.name: p.read_bytes() for p in Path(directory).iterdir()}
    names = ["big.png", "big.jpeg", "limit.png", "big.jpeg", "limit.png"]
    outcomes = []
    before = peak_mb()

    def one_request():
        for name in names[:PER_REQUEST]:
            upload = SimpleUploadedFile(name, files[name])
            try:
                checked = photos.check(upload)
                outcomes.append(f"{name}: kept, public copy {len(checked.public)} bytes")
            except ValidationError as refused:
                outcomes.append(f"{name}: refused ({refused.messages[0]})")

    threads = [threading.Thread(target=one_request) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(
        json.dumps(
            {
                "requests": REQUESTS,
                "photos_per_request": PER_REQUEST,
                "side": SIDE,
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(peak_mb(), 1),
                "outcomes": sorted(set(outcomes)),
                "bytes_on_the_wire": {n: len(b) for n, b in files.items()},
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
