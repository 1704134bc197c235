"""The representative's pages: the report form, the list, the detail with follow-ups, and the
photos, each checked per role and per CWG."""

import io
import uuid

import pytest
from django.urls import reverse
from PIL import Image

from cwg.models import CommunityWatchGroup
from reports import feedback
from reports.models import Report
from tests import factories
from tests.reports import images

pytestmark = pytest.mark.django_db
NEW = "/reports/new/"


def form_data(**changes):
    data = {
        "category": factories.CategoryFactory(slug="fire").pk,
        "description": "Shack fire spreading <b>fast</b>",
        "location_text": "Corner of Lansdowne Rd & 5th Ave",
        "ward": factories.WardFactory(number=1).pk,
        "latitude": "-33.95",
        "longitude": "18.47",
        "observed_at": "2024-11-01T10:15",
        "source": "eyewitness",
        "urgency": "life_threatening",
        "people_count": "30",
        "client_token": str(uuid.uuid4()),
    }
    return data | changes


def test_the_form_starts_from_the_cwgs_ward_now_and_a_fresh_token(rep_client, representative):
    ward = factories.WardFactory(number=7)
    representative.cwg.wards.set([ward])
    html = rep_client.get(NEW).content.decode()
    assert f'<option value="{ward.pk}" selected>' in html
    assert 'type="datetime-local"' in html and 'name="client_token"' in html
    assert "js/geolocate.js" in html and 'id="use-location"' in html
    assert html.count('name="client_token"') == 1
    assert 'multiple accept="image/jpeg,image/png,image/webp"' in html


def test_a_report_with_a_photo_leads_to_its_reference_and_status(rep_client):
    data = form_data(photos=[images.jpeg()])
    response = rep_client.post(NEW, data, follow=True)
    report = Report.objects.get()
    assert response.redirect_chain == [(f"/reports/{report.reference}/", 302)]
    html = response.content.decode()
    assert f"Report {report.reference} sent to the JOC." in html
    assert f'id="report-{report.pk}-status"' in html and "Received" in html
    assert "Shack fire spreading &lt;b&gt;fast&lt;/b&gt;" in html
    assert report.photos.count() == 1 and report.people_count == 30


def test_a_double_tap_sends_one_report(rep_client):
    data = form_data()
    first = rep_client.post(NEW, data)
    second = rep_client.post(NEW, data, follow=True)
    assert Report.objects.count() == 1
    assert first.url == f"/reports/{Report.objects.get().reference}/"
    assert "had already reached the JOC" in second.content.decode()


def test_a_fake_photo_gets_a_message_beside_the_field_and_the_rest_is_kept(rep_client):
    response = rep_client.post(NEW, form_data(photos=[images.fake("evidence.jpg")]))
    html = response.content.decode()
    assert response.status_code == 200 and not Report.objects.exists()
    assert "evidence.jpg is not a photo we can read" in html
    assert "Corner of Lansdowne Rd &amp; 5th Ave" in html and "Shack fire spreading" in html


def test_missing_fields_are_marked_and_the_token_kept(rep_client):
    data = form_data(description="")
    html = rep_client.post(NEW, data).content.decode()
    assert "This field is required." in html
    assert f'value="{data["client_token"]}"' in html


@pytest.mark.parametrize(
    "garbage", [{"client_token": "not-a-uuid"}, {"client_token": ""}, {"ward": "x" * 5000}]
)
def test_garbage_posts_get_a_400(rep_client, garbage):
    data = form_data() | garbage
    if "ward" in garbage:
        data["client_token"] = "'; DROP TABLE"
    assert rep_client.post(NEW, data).status_code == 400


def test_the_rate_limit_keeps_what_was_typed(rep_client, settings):
    settings.REPORT_RATE_LIMIT = "1/m"
    rep_client.post(NEW, form_data())
    response = rep_client.post(NEW, form_data(description="A second fire"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Wait a minute and send again" in html and "A second fire" in html
    assert Report.objects.count() == 1


def test_a_suspended_cwgs_representative_is_told_why(client):
    rep = factories.RepresentativeFactory(
        cwg__status=CommunityWatchGroup.Status.SUSPENDED, cwg__status_reason="Hoax reports"
    )
    client.force_login(rep.user)
    for response in (client.get(NEW), client.post(NEW, form_data())):
        assert response.status_code == 403
        assert "Only approved groups may send reports" in response.content.decode()
        assert "Reason: Hoax reports" in response.content.decode()
    assert not Report.objects.exists()


def test_only_representatives_reach_the_form_and_the_list(client, operator):
    assert client.get(NEW).url.startswith("/accounts/login/")
    client.force_login(operator)
    assert client.get(NEW).status_code == 403
    assert client.get("/reports/").status_code == 403
    client.force_login(factories.UserFactory())
    assert client.get(NEW).status_code == 403


def test_the_list_shows_only_the_cwgs_reports_newest_first(
    rep_client, representative, django_assert_max_num_queries
):
    mine = [factories.ReportFactory(cwg=representative.cwg) for _ in range(6)]
    factories.ReportFactory(reference="R-9999-0001")
    for report in mine:
        Report.objects.filter(pk=report.pk).update(status="verifying")
    with django_assert_max_num_queries(12):
        html = rep_client.get("/reports/").content.decode()
    positions = [html.index(f'id="report-{r.pk}"') for r in reversed(mine)]
    assert positions == sorted(positions)
    assert "R-9999-0001" not in html and html.count("Being verified") == 6
    assert 'id="my-reports"' in html and 'hx-trigger="watchline:resync from:body"' in html


def test_the_list_resyncs_as_a_partial(rep_client, representative):
    factories.ReportFactory(cwg=representative.cwg)
    html = rep_client.get("/reports/", headers={"HX-Request": "true"}).content.decode()
    assert html.startswith('<div id="my-reports-region"') and "<html" not in html


def test_the_detail_is_for_the_reporting_cwg_and_operators(client, representative, operator):
    report = factories.ReportFactory(cwg=representative.cwg)
    url = reverse("reports:detail", args=[report.reference])
    client.force_login(representative.user)
    assert client.get(url).status_code == 200
    assert client.get("/reports/R-0000-9999/").status_code == 404
    client.force_login(factories.RepresentativeFactory().user)
    assert client.get(url).status_code == 403
    client.force_login(operator)
    assert client.get(url).status_code == 200


def test_a_follow_up_joins_the_report_and_shows_on_its_timeline(rep_client, representative):
    report = factories.ReportFactory(cwg=representative.cwg)
    url = reverse("reports:follow_up", args=[report.reference])
    data = {"text": "Water still rising", "client_token": str(uuid.uuid4())}
    response = rep_client.post(url, data | {"photos": [images.png()]}, follow=True)
    rep_client.post(url, data)
    assert "Follow-up from" in response.content.decode()
    assert "Water still rising" in response.content.decode()
    assert report.updates.count() == 1 and Report.objects.count() == 1


def test_another_cwg_cannot_follow_up(client):
    report = factories.ReportFactory()
    client.force_login(factories.RepresentativeFactory().user)
    url = reverse("reports:follow_up", args=[report.reference])
    response = client.post(url, {"text": "x", "client_token": str(uuid.uuid4())})
    assert response.status_code == 403 and not report.updates.exists()


def photo_url(photo, variant):
    return reverse("reports:photo", args=[photo.pk, variant])


def test_photos_by_role_variant_and_cwg(client, representative, operator):
    client.force_login(representative.user)
    client.post(NEW, form_data(photos=[images.jpeg()]))
    photo = Report.objects.get().photos.get()
    public = client.get(photo_url(photo, "public"))
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"
    assert dict(Image.open(_body(public)).getexif()) == {}
    assert client.get(photo_url(photo, "original")).status_code == 403
    assert client.get(photo_url(photo, "bogus")).status_code == 404
    # The small copy the incident page shows: no metadata either, at most 320 px.
    thumbnail = Image.open(_body(client.get(photo_url(photo, "thumbnail"))))
    assert max(thumbnail.size) <= 320 and dict(thumbnail.getexif()) == {}
    assert client.get(reverse("reports:photo", args=[999, "public"])).status_code == 404

    client.force_login(factories.RepresentativeFactory().user)
    assert client.get(photo_url(photo, "public")).status_code == 403
    assert client.get(photo_url(photo, "thumbnail")).status_code == 403
    client.force_login(operator)
    original = client.get(photo_url(photo, "original"))
    assert Image.open(_body(original)).getexif().get_ifd(images.GPS_IFD)
    client.logout()
    assert client.get(photo_url(photo, "public")).url.startswith("/accounts/login/")


def _body(response):
    return io.BytesIO(b"".join(response.streaming_content))


def test_a_refused_follow_up_photo_is_marked_and_the_text_kept(rep_client, representative):
    report = factories.ReportFactory(cwg=representative.cwg)
    url = reverse("reports:follow_up", args=[report.reference])
    data = {"text": "Water <still> rising", "client_token": str(uuid.uuid4())}
    html = rep_client.post(url, data | {"photos": [images.fake("river.png")]}).content.decode()
    assert "river.png is not a photo we can read" in html
    assert "Water &lt;still&gt; rising</textarea>" in html and not report.updates.exists()


def test_the_detail_page_costs_the_same_with_a_long_history(
    rep_client, representative, operator, django_assert_max_num_queries
):
    report = factories.ReportFactory(cwg=representative.cwg)
    for n in range(8):
        feedback.post_joc_message(report, f"Update {n}", actor=operator)
    with django_assert_max_num_queries(12):
        html = rep_client.get(reverse("reports:detail", args=[report.reference])).content.decode()
    assert "Update 7" in html
