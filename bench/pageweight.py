"""What a page costs a phone on its first visit: the HTML and every stylesheet, script and icon
it links, counted as transferred (compressed as a browser asks for it, plus the response
headers), nothing cached. The report form's goal is 60 KB, for a representative on a slow
mobile connection."""

import re

ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')
# What a browser accepts; brotli is left out so the client can read every answer without it
# (WhiteNoise then serves its gzip copies, slightly larger than brotli: an upper bound).
ACCEPT = {"Accept-Encoding": "gzip"}


def linked_assets(html):
    """The static files a page links, in order, each once."""
    return list(dict.fromkeys(ASSET.findall(html)))


def transferred(response):
    headers = sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
    return response.num_bytes_downloaded + headers


async def first_load(http, base, path):
    """{"bytes": total, "items": {path or asset: bytes}} for one first visit of `path`."""
    page = await http.get(base + path, headers=ACCEPT)
    page.raise_for_status()
    items = {path: transferred(page)}
    for asset in linked_assets(page.text):
        response = await http.get(base + asset, headers=ACCEPT)
        response.raise_for_status()
        items[asset] = transferred(response)
    return {"bytes": sum(items.values()), "items": items}
