"""The form renderer: Django's, remembering each widget's HTML per process. A widget's HTML
depends only on its template, its context (name, value, attributes, choices) and the language,
so the same widget with the same value is rendered once (the report form renders about a dozen
on each request: most of its cost). Contexts holding anything without a stable text form are
not remembered. tests/watchline/test_renderers.py compares with Django's own renderer."""

import threading
from collections import OrderedDict

from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.functional import Promise

WIDGETS = "django/forms/widgets/"
SIZE = 2048  # widgets remembered per process (least recently used forgotten first)


class MemoizingRenderer(DjangoTemplates):
    def __init__(self):
        self._seen = OrderedDict()
        self._lock = threading.Lock()

    def render(self, template_name, context, request=None):
        key = _key(template_name, context) if template_name.startswith(WIDGETS) else None
        if key is None:
            return super().render(template_name, context, request)
        with self._lock:
            html = self._seen.get(key)
            if html is not None:
                self._seen.move_to_end(key)
                return html
        html = super().render(template_name, context, request)
        with self._lock:
            self._seen[key] = html
            if len(self._seen) > SIZE:
                self._seen.popitem(last=False)
        return html


def _key(template_name, context):
    """A text form of everything the widget's HTML depends on, or None if something in its
    context has no stable text form."""
    try:
        return (template_name, translation.get_language(), _stable(context["widget"]))
    except _Unstable:
        return None


class _Unstable(Exception):
    pass


def _stable(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return (type(value).__name__, value)
    if isinstance(value, Promise):
        return ("str", str(value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _stable(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_stable(v) for v in value))
    raise _Unstable
