"""Public references such as R-2611-0042: a prefix, the year and month of issue, and the row's
own primary key. The key comes from the database's sequence, which never hands out a number
twice and never waits for another transaction, so concurrent inserts cannot collide (the first
version counted up per month and collided under load). Numbers keep growing across months."""

import uuid

from django.utils import timezone


def save_with_reference(obj, prefix):
    """Insert `obj` and give it its reference, in the caller's transaction."""
    insert_pending(obj)
    obj.reference = reference_for(obj, prefix)
    type(obj).objects.filter(pk=obj.pk).update(reference=obj.reference)
    return obj


def insert_pending(obj):
    """Insert `obj` with a unique stand-in reference, which must be replaced by
    `reference_for(obj, ...)` in the same transaction (it never leaves it)."""
    obj.reference = uuid.uuid4().hex[: type(obj)._meta.get_field("reference").max_length]
    obj.save(force_insert=True)


def reference_for(obj, prefix):
    """The reference of an inserted row (it needs the row's key)."""
    return f"{prefix}-{timezone.localtime():%y%m}-{obj.pk:04d}"
