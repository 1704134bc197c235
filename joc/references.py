"""Public references such as R-2411-0042: a prefix, the year and month, and a number that counts
up within the month. The unique constraint on `reference` settles races: `save_with_reference`
retries with the next number inside a savepoint."""

from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

ATTEMPTS = 20


def _next_number(model, stem):
    last = (
        model.objects.filter(reference__startswith=stem)
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return int(last.rsplit("-", 1)[1]) + 1 if last else 1


def save_with_reference(obj, prefix):
    """Give `obj` the next free reference for `prefix` and insert it."""
    stem = f"{prefix}-{timezone.localtime():%y%m}-"
    model = type(obj)
    for _ in range(ATTEMPTS):
        obj.reference = f"{stem}{_next_number(model, stem):04d}"
        try:
            with transaction.atomic():
                obj.save(force_insert=True)
            return obj
        except IntegrityError:
            if not model.objects.filter(reference=obj.reference).exists():
                raise
            obj.pk = None
    raise IntegrityError(f"no free reference for {prefix} after {ATTEMPTS} attempts")
