"""Cached ward and category options: the same HTML as Django's own Select, whatever is
selected, and renewed once a ward or a category changes."""

import pytest
from django import forms

from cwg.models import Ward
from joc.forms import QueueFilterForm
from reports.forms import ReportForm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _catalogue_cache(settings):
    settings.CATALOGUE_CACHE = True  # as with Redis, shared by every process


def plain(bound_field):
    """The field rendered by Django's Select, without the cache."""
    field = bound_field.field
    widget = forms.Select(attrs=field.widget.attrs, choices=field.choices)
    return bound_field.as_widget(widget=widget)


@pytest.mark.parametrize("ward", [None, 1, 116, "not-a-ward"])
def test_cached_selects_render_as_djangos_select(ward):
    factories.CategoryFactory(slug="fire")
    cwg = factories.CWGFactory()
    data = {"ward": Ward.objects.get(number=ward).pk if isinstance(ward, int) else ward}
    for form in (ReportForm(cwg=cwg), ReportForm(data, cwg=cwg), QueueFilterForm(data)):
        for name in ("ward", "category"):
            expected = plain(form[name])
            assert str(form[name]) == expected  # fills the cache
            assert str(form[name]) == expected  # from the cache
    if isinstance(ward, int):
        assert f'<option value="{data["ward"]}" selected>' in str(QueueFilterForm(data)["ward"])


def test_a_renamed_ward_shows_in_the_next_render(django_capture_on_commit_callbacks):
    before = str(QueueFilterForm()["ward"])
    ward = Ward.objects.get(number=7)
    with django_capture_on_commit_callbacks(execute=True):
        ward.name = "Ward of the Renamed Streets"
        ward.save()
    after = str(QueueFilterForm()["ward"])
    assert after != before and "Ward of the Renamed Streets" in after
    assert after == plain(QueueFilterForm()["ward"])
