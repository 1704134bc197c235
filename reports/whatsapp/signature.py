"""X-Hub-Signature-256: the HMAC-SHA256 of a delivery's raw bytes under the app secret (no
Django here: the stand-in and the benchmark sign with it too)."""

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="


def sign(body, secret):
    """The X-Hub-Signature-256 value of `body` (bytes) under `secret`."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body, header, secret):
    """Constant-time check of the header against the HMAC-SHA256 of the raw bytes."""
    if not secret or not header or len(header) != len(SIGNATURE_PREFIX) + 64:
        return False
    return hmac.compare_digest(header.encode(), sign(body, secret).encode())
