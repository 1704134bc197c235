"""Reports in the admin are read-only: they change only through the services."""

import pytest

from reports.models import Report
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_lists_and_shows_reports_without_editing_them(client, city_admin):
    report = factories.ReportFactory()
    factories.ReportFactory(reference="R-0000-0999")
    client.force_login(city_admin)
    listing = client.get("/admin/reports/report/?q=R-0000-0999").content.decode()
    assert "R-0000-0999" in listing and report.reference not in listing
    page = client.get(f"/admin/reports/report/{report.pk}/change/")
    assert page.status_code == 200 and 'name="description"' not in page.content.decode()
    assert client.get("/admin/reports/report/add/").status_code == 403
    client.post(f"/admin/reports/report/{report.pk}/change/", {"status": "closed"})
    assert Report.objects.get(pk=report.pk).status == Report.Status.RECEIVED
