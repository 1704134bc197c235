"""Choices from the reference tables (wards, categories), kept in the cache and shared by every
page and process: the rendered options (CachedSelect) and the rows a submitted choice stands for
(CachedModelChoiceField). The report form and the dashboard's filters would otherwise query and
render every ward (Cape Town has 116) on each request, and query the chosen rows again.

The cached HTML is what Django's own Select renders with nothing selected; the selection is
then marked in it, so the result is the same as an uncached render (tests/watchline/
test_options.py). Entries are keyed by the catalogue's generation, which any change to a ward
or a category saved through the ORM renews after commit, and by the active language (labels may
be translated). Only with CATALOGUE_CACHE (on with Redis): a cache private to one process would
not hear of a change made by another (the admin in another server, `import_wards`)."""

import hashlib
import logging
import uuid

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)
GENERATION_KEY = "options:generation"
# A rendered select lives this long unused (it is renewed by every change anyway).
TIMEOUT = 24 * 3600


def generation():
    """The catalogue's current generation (a new one once none is cached)."""
    current = cache.get(GENERATION_KEY)
    if current is None:
        current = uuid.uuid4().hex
        cache.add(GENERATION_KEY, current, None)
        current = cache.get(GENERATION_KEY, current)
    return current


def renew(**kwargs):
    """A ward or a category changed: every cached select is stale once the change commits."""

    def new_generation():
        try:
            cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
        except Exception as failed:  # the cache down: nothing is read from it either
            logger.warning("catalogue generation not renewed: %r", failed)

    transaction.on_commit(new_generation)


class CachedSelect(forms.Select):
    """A Select whose options are rendered once per catalogue generation and language."""

    def render(self, name, value, attrs=None, renderer=None):
        if not settings.CATALOGUE_CACHE:
            return super().render(name, value, attrs, renderer)
        final = self.build_attrs(self.attrs, attrs)
        shape = repr((type(self).__qualname__, self.template_name, name, sorted(final.items())))
        digest = hashlib.sha256(shape.encode()).hexdigest()[:32]
        try:
            key = f"options:{generation()}:{translation.get_language()}:{digest}"
            html = cache.get(key)
        except Exception as failed:  # the cache down: render as Django does
            logger.warning("options cache unavailable: %r", failed)
            return super().render(name, value, attrs, renderer)
        if html is None:
            html = str(super().render(name, [], attrs, renderer))
            _store(key, html)
        return _select(html, self.format_value(value))


class CachedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that finds the chosen row among the cached rows of its queryset
    (without their large columns, e.g. a ward's boundary, read if ever needed)."""

    widget = CachedSelect
    LARGE = {"boundary", "bbox"}

    def to_python(self, value):
        if not settings.CATALOGUE_CACHE:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        try:
            rows = self.rows()
        except Exception as failed:  # the cache down: look it up as Django does
            logger.warning("options cache unavailable: %r", failed)
            return super().to_python(value)
        found = rows.get(str(value))
        if found is None:
            message = self.error_messages["invalid_choice"]
            raise ValidationError(message, code="invalid_choice", params={"value": value})
        return found

    def rows(self):
        """{str(pk): row} of the queryset, from the cache (per catalogue generation)."""
        digest = hashlib.sha256(str(self.queryset.query).encode()).hexdigest()[:32]
        key = f"options:rows:{generation()}:{digest}"
        rows = cache.get(key)
        if rows is None:
            model = self.queryset.model
            large = [f.name for f in model._meta.concrete_fields if f.name in self.LARGE]
            rows = {str(row.pk): row for row in self.queryset.defer(*large)}
            _store(key, rows)
        return rows


def _store(key, value):
    try:
        cache.set(key, value, TIMEOUT)
    except Exception as failed:
        logger.warning("options cache unavailable: %r", failed)


def _select(html, values):
    """Mark the first option whose value is among `values` as selected (as Select does).
    `html` is Django's own escaped render and `value` is escaped before it is looked for."""
    for value in values:
        plain = f'<option value="{escape(value)}">'
        if plain in html:
            html = html.replace(plain, plain[:-1] + " selected>", 1)
            break
    return mark_safe(html)  # noqa: S308 (escaped as said above)
