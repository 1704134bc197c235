"""The memoizing form renderer gives Django's own HTML, the first time and from memory, for
every widget of the report form (blank and sent back with errors) and the dashboard's filters."""

import uuid

import pytest
from django.forms.renderers import DjangoTemplates

from joc.forms import QueueFilterForm
from reports.forms import ReportForm
from tests import factories
from watchline.renderers import MemoizingRenderer

pytestmark = pytest.mark.django_db


def every_widget(form):
    return [str(form[name]) for name in form.fields]


def test_widgets_render_as_with_djangos_renderer():
    cwg = factories.CWGFactory()
    memo = MemoizingRenderer()
    forms = [
        lambda r: ReportForm(cwg=cwg, initial={"client_token": uuid.UUID(int=1)}, renderer=r),
        lambda r: ReportForm(
            {"description": "<b>fire</b>", "latitude": "x", "urgency": "urgent"},
            cwg=cwg,
            renderer=r,
        ),
        lambda r: QueueFilterForm({"status": "new", "mine": "on"}, renderer=r),
    ]
    for make in forms:
        plain = every_widget(make(DjangoTemplates()))
        assert every_widget(make(memo)) == plain  # rendered, then remembered
        assert every_widget(make(memo)) == plain  # from memory
    assert memo._seen  # it did remember
    assert any("&lt;b&gt;fire&lt;/b&gt;" in html for html in every_widget(forms[1](memo)))
