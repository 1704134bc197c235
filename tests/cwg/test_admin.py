"""City admins approve, reject, suspend and reinstate in the Django admin, with a reason asked
on an intermediate page; adding representatives there keeps to the two seats."""

import pytest
from django.core import mail
from django.urls import reverse

from cwg.models import CommunityWatchGroup
from tests import factories

pytestmark = pytest.mark.django_db
S = CommunityWatchGroup.Status
CHANGELIST = reverse("admin:cwg_communitywatchgroup_changelist")


@pytest.fixture
def admin_client(client, city_admin):
    client.force_login(city_admin)
    return client


def act(admin_client, action, cwgs, **extra):
    data = {"action": action, "_selected_action": [c.pk for c in cwgs], **extra}
    return admin_client.post(CHANGELIST, data, follow=True)


def test_approving_asks_for_a_reason_then_opens_the_accounts(
    admin_client, city_admin, django_capture_on_commit_callbacks
):
    cwg = factories.CWGFactory(status=S.PENDING)
    rep = factories.RepresentativeFactory(cwg=cwg, user__is_active=False)

    page = act(admin_client, "approve", [cwg])
    assert b"Approve community watch groups" in page.content and cwg.name in page.content.decode()
    cwg.refresh_from_db()
    assert cwg.status == S.PENDING  # nothing happens before the admin confirms

    with django_capture_on_commit_callbacks(execute=True):
        done = act(admin_client, "approve", [cwg], confirm="yes", reason="Known to the ward")
    assert b"Approved: 1 group(s)." in done.content
    cwg.refresh_from_db()
    rep.user.refresh_from_db()
    assert cwg.status == S.APPROVED and rep.user.is_active
    assert mail.outbox[0].to == [rep.user.email]
    assert "http://testserver/accounts/reset/" in mail.outbox[0].body
    assert cwg.history.get().actor == city_admin


def test_rejecting_needs_a_reason(admin_client):
    cwg = factories.CWGFactory(status=S.PENDING)
    page = act(admin_client, "reject", [cwg], confirm="yes", reason="")
    assert b"This field is required." in page.content
    act(admin_client, "reject", [cwg], confirm="yes", reason="Not a watch group")
    cwg.refresh_from_db()
    assert (cwg.status, cwg.status_reason) == (S.REJECTED, "Not a watch group")


def test_a_change_the_status_does_not_allow_is_reported_per_group(admin_client):
    approved = factories.CWGFactory(status=S.APPROVED)
    pending = factories.CWGFactory(status=S.PENDING)
    page = act(admin_client, "suspend", [approved, pending], confirm="yes", reason="Audit")
    body = page.content.decode()
    assert "Suspended: 1 group(s)." in body
    assert f"{pending.name} is pending approval: it cannot become suspended." in body
    approved.refresh_from_db()
    assert approved.status == S.SUSPENDED
    act(admin_client, "reinstate", [approved], confirm="yes", reason="")
    approved.refresh_from_db()
    assert approved.status == S.APPROVED


def test_the_change_page_shows_seats_and_read_only_history(admin_client):
    rep = factories.RepresentativeFactory()
    page = admin_client.get(reverse("admin:cwg_communitywatchgroup_change", args=[rep.cwg.pk]))
    assert page.status_code == 200
    assert b"status history" in page.content.lower() and str(rep.phone).encode() in page.content
    assert admin_client.get(reverse("admin:cwg_communitywatchgroup_add")).status_code == 403


def test_the_list_filters_by_status_and_searches(admin_client):
    factories.CWGFactory(name="Sea Point Watch", status=S.PENDING)
    factories.CWGFactory(name="Hout Bay Watch", status=S.APPROVED)
    pending = admin_client.get(CHANGELIST, {"status__exact": "pending"}).content.decode()
    assert "Sea Point Watch" in pending and "Hout Bay Watch" not in pending
    found = admin_client.get(CHANGELIST, {"q": "hout"}).content.decode()
    assert "Hout Bay Watch" in found and "Sea Point Watch" not in found


def representative_data(cwg, n=1):
    return {
        "cwg": cwg.pk,
        "first_name": "Nomsa",
        "last_name": f"Khumalo{n}",
        "phone": f"08376543{n:02d}",
        "email": f"nomsa{n}@example.org",
    }


def test_adding_a_representative_takes_the_free_seat(admin_client):
    rep = factories.RepresentativeFactory(seat=2)
    url = reverse("admin:cwg_representative_add")
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, representative_data(rep.cwg))
    assert response.status_code == 302
    assert rep.cwg.representatives.active().get(seat=1).user.email == "nomsa1@example.org"


def test_adding_a_third_representative_gets_the_clear_message(admin_client):
    rep = factories.RepresentativeFactory(seat=1)
    factories.RepresentativeFactory(seat=2, cwg=rep.cwg)
    url = reverse("admin:cwg_representative_add")
    response = admin_client.post(url, representative_data(rep.cwg))
    assert response.status_code == 200
    assert "already has two active representatives" in response.content.decode()
    assert 'value="Khumalo1"' in response.content.decode()
    assert rep.cwg.representatives.active().count() == 2


def test_ending_seats_in_the_admin(admin_client):
    rep = factories.RepresentativeFactory()
    admin_client.post(
        reverse("admin:cwg_representative_changelist"),
        {"action": "end_seats", "_selected_action": [rep.pk]},
    )
    rep.refresh_from_db()
    assert not rep.active and rep.ended_at


def test_wards_are_reference_data_in_the_admin(admin_client):
    ward = factories.WardFactory(number=54)
    assert admin_client.get(reverse("admin:cwg_ward_changelist"), {"q": "54"}).status_code == 200
    page = admin_client.get(reverse("admin:cwg_ward_change", args=[ward.pk]))
    assert b"neighbours" in page.content.lower()


def test_the_ward_admin_shows_which_wards_have_a_boundary_and_keeps_it_on_save(admin_client):
    wards = factories.import_ward_grid([1, 2], columns=2)
    listing = admin_client.get(reverse("admin:cwg_ward_changelist"), {"o": "-3"})
    assert listing.status_code == 200
    assert listing.content.decode().count('alt="True"') == 2
    url = reverse("admin:cwg_ward_change", args=[wards[1].pk])
    data = {"number": 1, "name": "Harbour", "neighbours": [wards[2].pk]}
    assert admin_client.post(url, data).status_code == 302
    wards[1].refresh_from_db()
    assert wards[1].name == "Harbour"
    assert wards[1].boundary == factories.square(18.40, -33.95)


def test_the_admin_is_branded_and_its_index_shows_what_is_waiting(admin_client):
    factories.CWGFactory.create_batch(2, status=S.PENDING)
    factories.CWGFactory(status=S.SUSPENDED)
    factories.CWGFactory(status=S.APPROVED)
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>City administration | Watchline admin</title>" in page
    assert "Watchline administration" in page
    waiting = page[page.index('id="waiting"') :]
    assert "Applications waiting for approval</a></th><td><strong>2</strong>" in waiting
    assert "Suspended groups</a></th><td><strong>1</strong>" in waiting
    assert f"{CHANGELIST}?status__exact=pending" in waiting


def test_the_cwg_list_shows_wards_representatives_and_contact_with_filters(admin_client):
    ward = factories.WardFactory(number=88)
    rep = factories.RepresentativeFactory(
        cwg__name="Bo-Kaap <Watch>", cwg__wards=[ward], cwg__contact_email="c@example.org"
    )
    factories.CWGFactory(name="Elsewhere Watch", wards=[factories.WardFactory(number=89)])
    page = admin_client.get(CHANGELIST, {"wards__id__exact": ward.pk}).content.decode()
    assert "Bo-Kaap &lt;Watch&gt;" in page and "Elsewhere Watch" not in page
    assert f"{rep.name} ({rep.phone.as_national})" in page
    assert "c@example.org" in page and ">88<" in page


def test_a_pending_groups_page_approves_and_rejects_through_the_services(admin_client, city_admin):
    cwg = factories.CWGFactory(status=S.PENDING)
    change = reverse("admin:cwg_communitywatchgroup_change", args=[cwg.pk])
    page = admin_client.get(change).content.decode()
    assert "Approve…" in page and "Reject…" in page and "Suspend…" not in page
    assert '<input type="hidden" name="action" value="approve">' in page
    assert f'<input type="hidden" name="_selected_action" value="{cwg.pk}">' in page
    reason_page = act(admin_client, "approve", [cwg])  # what the Approve button posts
    assert b"Approve community watch groups" in reason_page.content
    act(admin_client, "approve", [cwg], confirm="yes", reason="Checked")
    cwg.refresh_from_db()
    assert cwg.status == S.APPROVED
    change_record = cwg.history.get(to_status=S.APPROVED)
    assert (change_record.actor, change_record.reason) == (city_admin, "Checked")
    page = admin_client.get(change).content.decode()
    assert "Suspend…" in page and "Approve…" not in page
