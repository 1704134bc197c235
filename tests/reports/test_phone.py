"""What the representative's phone gets from the server: the report form carries only what it
needs (no live socket, no ws extension, compressed), the outbox's JSON answer, small thumbnails
behind the same permission check, the current alerts on every representative page, and pages,
live fragments and emails in the representative's own language."""

import gzip
import io
import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from alerts import services as alert_services
from bench import pageweight
from reports.models import Report
from tests import factories
from tests.reports import images
from tests.reports.test_views import NEW, form_data

pytestmark = pytest.mark.django_db

# What the report form loads, and nothing else: the bench's page weight counts these.
REPORT_FORM_ASSETS = {
    "/static/favicon.svg",
    "/static/css/watchline.css",
    "/static/django_htmx/htmx-2.min.js",
    "/static/js/watchline.js",
    "/static/js/alerts.js",
    "/static/js/outbox.js",
    "/static/js/geolocate.js",
    "/static/js/report.js",
}


def assets(html):
    return set(pageweight.linked_assets(html))


def test_the_report_form_loads_only_what_it_needs(rep_client):
    html = rep_client.get(NEW).content.decode()
    assert assets(html) == REPORT_FORM_ASSETS
    assert "hx-ws" not in html and "ws-connect" not in html and 'id="live-state"' not in html
    # Other representative pages keep their live socket.
    portal = rep_client.get(reverse("cwg:portal")).content.decode()
    assert "ws-connect=" in portal and "hx-ws-2.js" in portal


def test_html_is_compressed_and_photos_are_not(client, representative):
    client.force_login(representative.user)
    response = client.get(NEW, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content)
    assert b"Send to the JOC" in html and len(response.content) < len(html) / 3
    client.post(NEW, form_data(photos=[images.jpeg(size=(600, 400))]))
    photo = Report.objects.get().photos.get()
    url = reverse("reports:photo", args=[photo.pk, "public"])
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")


def test_the_outbox_gets_the_reference_as_json_and_a_resend_stores_nothing_new(rep_client):
    data = form_data()
    first = rep_client.post(NEW, data, HTTP_ACCEPT="application/json")
    report = Report.objects.get()
    url = reverse("reports:detail", args=[report.reference])
    assert first.json() == {"reference": report.reference, "url": url}
    again = rep_client.post(NEW, data, HTTP_ACCEPT="application/json")
    assert again.json() == first.json() and Report.objects.count() == 1
    # A refused form still comes back as the page, with its messages beside the fields.
    refused = rep_client.post(
        NEW,
        form_data(description="", client_token=str(uuid.uuid4())),
        HTTP_ACCEPT="application/json",
    )
    assert refused["Content-Type"].startswith("text/html")
    assert "This field is required." in refused.content.decode()


def test_photos_get_a_small_thumbnail_behind_the_same_check(client, representative, operator):
    client.force_login(representative.user)
    client.post(NEW, form_data(photos=[images.jpeg(size=(3000, 2000))]))
    photo = Report.objects.get().photos.get()
    url = reverse("reports:photo", args=[photo.pk, "thumbnail"])
    thumbnail = client.get(url)
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"
    small = b"".join(thumbnail.streaming_content)
    image = Image.open(io.BytesIO(small))
    assert max(image.size) == 320 and dict(image.getexif()) == {}
    with photo.public.open("rb") as public:
        assert len(small) < len(public.read()) / 4
    detail = client.get(reverse("reports:detail", args=[photo.report.reference]))
    public_url = reverse("reports:photo", args=[photo.pk, "public"])
    assert f'<a href="{public_url}"><img class="thumb" src="{url}"' in detail.content.decode()
    client.force_login(factories.RepresentativeFactory().user)
    assert client.get(url).status_code == 403
    client.force_login(operator)
    assert client.get(url).status_code == 200


def alert_for(representative, **extra):
    fields = {"severity": "warning", "all_wards": False, "expires_at": None} | extra
    return alert_services.compose(
        factories.OperatorFactory(),
        title="Gas leak on Main Road",
        message="Keep clear.",
        wards=[representative.cwg.wards.first() or factories.WardFactory()],
        **fields,
    )


@pytest.mark.parametrize("url", [NEW, "/reports/", "/cwg/portal/", "/alerts/past/"])
def test_every_representative_page_shows_the_current_alerts_with_when_sent(
    client, representative, url
):
    representative.cwg.wards.set([factories.WardFactory(number=40)])
    alert = alert_for(representative)
    client.force_login(representative.user)
    html = client.get(url).content.decode()
    assert html.count(f'id="portal-alert-{alert.pk}"') == 1
    assert "Gas leak on Main Road" in html and "sent " in html
    assert "data-unacknowledged" in html and 'id="alert-sound"' in html


def test_the_portal_fetches_its_alerts_once(rep_client):
    html = rep_client.get(reverse("cwg:portal")).content.decode()
    section = re.search(r'<section id="portal-alerts"[^>]*>', html).group(0)
    # In the page already; reloaded only when the live socket (re)opens, never also on load.
    assert 'hx-trigger="watchline:resync from:body"' in section
    assert "load" not in section
    assert html.count('id="portal-alert-list"') == 1


def test_a_representative_chooses_their_language(client, representative):
    client.force_login(representative.user)
    response = client.post(reverse("cwg:language"), {"language": "xh"}, follow=True)
    assert "Ulwimi lwakho ngoku sisi-isiXhosa." in response.content.decode()
    representative.refresh_from_db()
    assert representative.language == "xh"
    html = client.get(NEW).content.decode()
    assert '<html lang="xh">' in html and "Thumela ingxelo" in html
    assert client.post(reverse("cwg:language"), {"language": "fr"}).status_code == 200
    representative.refresh_from_db()
    assert representative.language == "xh"


def test_alert_emails_follow_each_representatives_language(
    representative, settings, django_capture_on_commit_callbacks
):
    settings.ALERT_NOTIFICATION_BACKENDS = ["alerts.notify.EmailBackend"]
    representative.cwg.wards.set([factories.WardFactory(number=41)])
    factories.RepresentativeFactory(cwg=representative.cwg, seat=2, language="af")
    with django_capture_on_commit_callbacks(execute=True):
        alert_for(representative)
    bodies = {m.to[0]: m.body for m in mail.outbox}
    af = next(b for b in bodies.values() if "die GOS stuur aan" in b)
    en = next(b for b in bodies.values() if "the JOC sends" in b)
    assert "Bevestig ontvangs op jou groep se portaal" in af
    assert "Acknowledge it on your CWG portal" in en
