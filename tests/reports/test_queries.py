"""The report form's cost in queries: a POST (the report, its triage and both live fragments,
rendered after commit) within 15 statements, BEGIN and COMMIT included, whatever the path
through triage, and a GET whose ward and
category lists come from the cache. Transactional, so the count is the production one (no test
savepoints) and the on-commit rendering is counted too."""

import pytest

from reports.models import Report
from tests import factories
from tests.reports.test_views import form_data

NEW = "/reports/new/"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _catalogue_cache(settings):
    """As deployed with Redis: the ward and category choices come from the shared cache."""
    settings.CATALOGUE_CACHE = True


def posted(**changes):
    data = form_data(description="Shack fire spreading", urgency="urgent", people_count="")
    data["ward_offered"] = data["ward"]  # as the form renders it
    return data | changes


@pytest.mark.parametrize(
    "where",
    [
        {},  # with coordinates
        {"latitude": "", "longitude": ""},  # by ward, then the neighbours
        {"ward_source": "sender"},  # the ward picked with JavaScript on
    ],
)
@pytest.mark.parametrize("existing_incident", [False, True])
def test_a_report_post_makes_at_most_15_queries_with_its_transaction(
    rep_client, where, existing_incident, django_assert_max_num_queries
):
    if existing_incident:
        near = factories.IncidentFactory(
            category=factories.CategoryFactory(slug="fire"),
            latitude=None if where.get("latitude") == "" else -33.9501,
            longitude=None if where.get("latitude") == "" else 18.4701,
        )
    # A server that has served a report before (its ward index is built), and the form as the
    # phone loaded it (the options are cached).
    flood = factories.CategoryFactory(slug="flood").pk
    rep_client.post(NEW, posted(category=flood, latitude="-30", longitude="20"))
    rep_client.get(NEW)
    data = posted(**where)
    with django_assert_max_num_queries(15):
        response = rep_client.post(NEW, data)
    assert response.status_code == 302
    report = Report.objects.get(client_token=data["client_token"])
    assert response["Location"] == f"/reports/{report.reference}/"
    assert report.incident is not None
    if existing_incident:
        assert report.incident == near
    else:
        assert report.incident.reports.get() == report


def test_a_resubmission_returns_the_stored_report_without_storing_another(rep_client):
    data = posted()
    first = rep_client.post(NEW, data)
    again = rep_client.post(NEW, data)
    assert first["Location"] == again["Location"]
    assert Report.objects.count() == 1


def test_the_form_reads_no_ward_or_category_list_once_cached(
    rep_client, django_assert_max_num_queries
):
    rep_client.get(NEW)
    # The session, the user, their groups, their seat, their CWG's first ward, and its current
    # alerts (shown on every representative page).
    with django_assert_max_num_queries(6) as captured:
        html = rep_client.get(NEW).content.decode()
    assert not any('FROM "reports_category"' in q["sql"] for q in captured.captured_queries)
    assert html.count("<option") >= 116 and 'name="category"' in html
