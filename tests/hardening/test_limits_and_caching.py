"""Retries never use up the rate limit and every 429 says when to retry (item 9); personal pages
and original photos are not cached, and pages may open sockets only to this site (item 11)."""

import uuid

import pytest
from django.urls import reverse

from reports.models import Report
from tests import factories
from tests.reports import images
from tests.reports.test_views import NEW, form_data

pytestmark = pytest.mark.django_db


def test_resending_one_report_does_not_use_up_the_limit(rep_client, settings):
    settings.REPORT_RATE_LIMIT = "2/m"
    first = form_data()
    for _ in range(4):  # a phone retrying the same report with its token
        assert rep_client.post(NEW, first).status_code == 302
    assert rep_client.post(NEW, form_data(description="Second")).status_code == 302
    assert Report.objects.count() == 2
    refused = rep_client.post(NEW, form_data(description="Third"))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert rep_client.post(NEW, first).status_code == 302  # a resend still finds its report


def test_resending_one_follow_up_does_not_use_up_the_limit(rep_client, representative, settings):
    settings.REPORT_RATE_LIMIT = "1/m"
    report = factories.ReportFactory(cwg=representative.cwg)
    url = reverse("reports:follow_up", args=[report.reference])
    data = {"text": "Water still rising", "client_token": str(uuid.uuid4())}
    for _ in range(3):
        assert rep_client.post(url, data).status_code == 302
    refused = rep_client.post(url, data | {"client_token": str(uuid.uuid4())})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert report.updates.count() == 1


def test_a_429_from_anywhere_else_says_when_to_retry(rf):
    """A 429 the project's views did not make (a library's, e.g. a login lockout) gets one too;
    one that says it already keeps its own."""
    from django.http import HttpResponse

    from watchline.middleware import RetryAfterMiddleware

    bare = RetryAfterMiddleware(lambda request: HttpResponse(status=429))(rf.get("/"))
    assert bare["Retry-After"] == "60"
    own = HttpResponse(status=429, headers={"Retry-After": "5"})
    assert RetryAfterMiddleware(lambda request: own)(rf.get("/"))["Retry-After"] == "5"


def test_logged_in_pages_are_never_stored(client, operator, representative):
    client.force_login(operator)
    assert "no-store" in client.get("/joc/")["Cache-Control"]
    client.force_login(representative.user)
    page = client.get(NEW)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "private" in page["Cache-Control"]


def test_original_photos_are_not_cached(client, representative, operator):
    client.force_login(representative.user)
    client.post(NEW, form_data(photos=[images.jpeg()]))
    photo = Report.objects.get().photos.get()
    public = client.get(reverse("reports:photo", args=[photo.pk, "public"]))
    assert "max-age=3600" not in public["Cache-Control"]
    client.force_login(operator)
    original = client.get(reverse("reports:photo", args=[photo.pk, "original"]))
    assert original.status_code == 200
    assert original["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("secure", "scheme"), [(False, "ws"), (True, "wss")])
def test_pages_may_open_sockets_only_to_this_site(client, secure, scheme, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    policy = client.get("/accounts/login/", HTTP_HOST="localhost", **extra)[
        "Content-Security-Policy"
    ]
    connect = next(d for d in policy.split(";") if d.strip().startswith("connect-src"))
    assert connect.split() == ["connect-src", "'self'", f"{scheme}://localhost"]
