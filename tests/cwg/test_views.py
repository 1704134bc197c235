"""The public application, the portal and the directory, through the real views."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwg import services
from cwg.models import CommunityWatchGroup
from tests import factories

pytestmark = pytest.mark.django_db
S = CommunityWatchGroup.Status


def application(**overrides):
    data = {
        "cwg-name": "Sea Point Watch",
        "cwg-area_description": "Beach Road to Main Road",
        "cwg-wards": [str(factories.WardFactory(number=54).pk)],
        "cwg-contact_email": "coord@example.org",
        "cwg-contact_phone": "021 555 0100",
        "rep1-first_name": "Thandi",
        "rep1-last_name": "Mokoena",
        "rep1-phone": "082 123 4567",
        "rep1-email": "thandi@example.org",
    }
    return data | overrides


def test_an_application_creates_a_pending_cwg_and_shows_its_reference(client):
    response = client.post(reverse("cwg:apply"), application(), follow=True)
    cwg = CommunityWatchGroup.objects.get()
    assert response.redirect_chain[-1][0] == reverse("cwg:applied")
    assert cwg.reference in response.content.decode()
    assert cwg.status == S.PENDING
    rep = cwg.representatives.get()
    assert str(rep.phone) == "+27821234567" and str(cwg.contact_phone) == "+27215550100"
    assert not rep.user.is_active


def test_the_confirmation_is_only_for_the_browser_that_applied(client):
    assert client.get(reverse("cwg:applied")).url == reverse("cwg:apply")


def test_errors_sit_beside_their_fields_and_the_input_is_kept(client):
    data = application(**{"rep1-phone": "12345", "cwg-contact_email": "not-an-email"})
    data["rep2-first_name"] = "Half filled"
    response = client.post(reverse("cwg:apply"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid phone number" in body
    assert "Enter a valid email address" in body
    assert body.count('class="field-error"') >= 5  # + the second representative's other fields
    assert 'value="Sea Point Watch"' in body and 'value="Half filled"' in body
    assert not CommunityWatchGroup.objects.exists()


def test_the_second_representative_is_not_marked_required_in_the_page(client):
    import re

    def required(body, prefix):
        return re.findall(rf'<input[^>]*name="{prefix}-\w+"[^>]*required', body)

    body = client.get(reverse("cwg:apply")).content.decode()
    assert len(required(body, "rep1")) == 4 and required(body, "rep2") == []
    body = client.post(reverse("cwg:apply"), application(**{"cwg-name": ""})).content.decode()
    assert required(body, "rep2") == []
    data = application(**{"rep2-first_name": "Half filled"})
    body = client.post(reverse("cwg:apply"), data).content.decode()
    assert required(body, "rep2") == []
    assert body.count('class="field-error"') == 3  # the second one's other fields


def test_a_second_representative_is_optional_but_must_differ(client):
    data = application(
        **{
            "rep2-first_name": "Sipho",
            "rep2-last_name": "Dlamini",
            "rep2-phone": "+27 82 123 4567",
            "rep2-email": "THANDI@example.org",
        }
    )
    body = client.post(reverse("cwg:apply"), data).content.decode()
    assert body.count("The two representatives need different ones.") == 2


def test_duplicate_applications_get_a_clear_message(client):
    factories.CWGFactory(name="Sea Point Watch", wards=[factories.WardFactory(number=54)])
    body = client.post(reverse("cwg:apply"), application()).content.decode()
    assert "has already applied for or registered in one of these wards" in body

    factories.RepresentativeFactory(phone="+27821234567")
    body = client.post(reverse("cwg:apply"), application(**{"cwg-name": "Other"})).content.decode()
    assert "already represents another community watch group" in body
    assert CommunityWatchGroup.objects.count() == 2  # the two factory groups only


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(client):
    factories.SupervisorFactory(username="thandi@example.org", email="thandi@example.org")
    pages = []
    for n, email in enumerate(["thandi@example.org", "nobody-yet@example.org"]):
        data = application(
            **{"cwg-name": f"Watch {n}", "rep1-email": email, "rep1-phone": f"08212345{n:02d}"}
        )
        response = client.post(reverse("cwg:apply"), data, follow=True)
        cwg = CommunityWatchGroup.objects.get(name=f"Watch {n}")
        page = response.content.decode().replace(cwg.reference, "REF").replace(cwg.name, "NAME")
        pages.append(re.sub(r'"X-CSRFToken": "\w+"', "", page))
        assert response.redirect_chain[-1] == (reverse("cwg:applied"), 302)
    assert pages[0] == pages[1]
    assert "already exists" not in pages[0]


def test_an_invited_former_representative_confirms_through_the_emailed_link(
    client, django_capture_on_commit_callbacks
):
    former = factories.RepresentativeFactory(seat=1)
    services.end_representative(former, None)
    data = application(**{"rep1-email": former.user.email})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cwg:apply"), data)
    link = re.search(r"https?://[^/\s]+(/cwg/invitation/\S+/)", mail.outbox[-1].body).group(1)
    assert client.get(link).status_code == 302  # log in first
    client.force_login(factories.RepresentativeFactory().user)
    assert client.post(link).status_code == 403  # only the invited account
    client.force_login(former.user)
    assert "Represent Sea Point Watch?" in client.get(link).content.decode()
    response = client.post(link, follow=True)
    assert "You now represent Sea Point Watch (seat 1)." in response.content.decode()
    assert CommunityWatchGroup.objects.get(
        name="Sea Point Watch"
    ).representatives.get().user_id == (former.user_id)
    assert client.get(link[:-3] + "xx/").status_code == 400


def test_applications_are_rate_limited_per_address(client, settings):
    settings.REGISTRATION_RATE_LIMIT = "1/h"
    client.post(reverse("cwg:apply"), application())
    response = client.post(
        reverse("cwg:apply"),
        application(
            **{"cwg-name": "Another", "rep1-email": "b@example.org", "rep1-phone": "0831234567"}
        ),
    )
    assert response.status_code == 429
    assert b"Too many applications" in response.content
    assert CommunityWatchGroup.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"cwg-wards": ["abc", "99999"], "cwg-name": "x" * 5000},
        {"cwg-name": "nul\x00byte", "rep1-phone": "\x00"},
        {"cwg-area_description": ["a", "b"], "rep1-email": "@" * 300},
    ],
)
def test_garbage_gets_messages_not_a_server_error(client, data):
    response = client.post(reverse("cwg:apply"), application(**data))
    assert response.status_code == 200
    assert b'class="field-error"' in response.content


def test_an_oversized_post_gets_a_400_page(client, settings):
    response = client.post(reverse("cwg:apply"), {"cwg-name": "x" * (6 * 1024 * 1024)})
    assert response.status_code == 400
    too_many = {f"f{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert client.post(reverse("cwg:apply"), too_many).status_code == 400


def test_the_portal_shows_the_own_cwg_its_seats_and_never_another(client):
    rep = factories.RepresentativeFactory(seat=1, cwg__name="Sea Point Watch")
    other = factories.RepresentativeFactory(seat=2, cwg=rep.cwg)
    stranger = factories.RepresentativeFactory(cwg__name="Hout Bay Watch")
    client.force_login(rep.user)
    body = client.get(reverse("cwg:portal")).content.decode()
    assert "Sea Point Watch" in body and rep.cwg.reference in body
    assert other.name in body and other.phone.as_national in body
    assert f"Replace {other.name}" in body
    assert "Hout Bay Watch" not in body and stranger.name not in body


def test_a_suspended_cwgs_portal_says_why(client):
    rep = factories.RepresentativeFactory(
        cwg__status=S.SUSPENDED, cwg__status_reason="Unverified reports"
    )
    client.force_login(rep.user)
    body = client.get(reverse("cwg:portal")).content.decode()
    assert "you cannot send reports" in body and "Unverified reports" in body


@pytest.mark.parametrize("url", ["cwg:portal", "cwg:directory"])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(reverse(url))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_operators_have_no_portal_and_representatives_no_directory(client):
    client.force_login(factories.OperatorFactory())
    assert client.get(reverse("cwg:portal")).status_code == 403
    client.force_login(factories.RepresentativeFactory().user)
    assert client.get(reverse("cwg:directory")).status_code == 403
    client.force_login(factories.UserFactory())
    assert client.get(reverse("cwg:directory")).status_code == 403


def test_a_representative_replaces_the_other_one(client, django_capture_on_commit_callbacks):
    rep = factories.RepresentativeFactory(seat=2)
    old = factories.RepresentativeFactory(seat=1, cwg=rep.cwg)
    client.force_login(rep.user)
    data = {
        "first_name": "Nomsa",
        "last_name": "Khumalo",
        "phone": "083 765 4321",
        "email": "nomsa@example.org",
    }
    response = client.post(reverse("cwg:replace"), data)
    assert "This field is required." in response.content.decode()
    assert rep.cwg.representatives.active().get(seat=1) == old

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cwg:replace"), data | {"confirm": "on"}, follow=True)
    assert "Nomsa Khumalo now holds seat 1." in response.content.decode()
    old.refresh_from_db()
    assert not old.active
    new = rep.cwg.representatives.active().get(seat=1)
    assert new.user.email == "nomsa@example.org" and new.user.is_active
    assert mail.outbox[0].to == ["nomsa@example.org"] and "/accounts/reset/" in mail.outbox[0].body


def test_replacing_is_a_confirmed_step_and_inviting_needs_no_confirmation(client):
    rep = factories.RepresentativeFactory(seat=1)
    client.force_login(rep.user)
    body = client.get(reverse("cwg:portal")).content.decode()
    assert "<summary>Invite a second representative…</summary>" in body
    assert 'name="confirm"' not in body
    other = factories.RepresentativeFactory(seat=2, cwg=rep.cwg)
    body = client.get(reverse("cwg:portal")).content.decode()
    assert f"<summary>Replace {other.name}…</summary>" in body
    assert f"Yes: {other.name} will no longer speak for the group." in body
    assert "<details>" in body  # closed until the representative opens it


def test_replace_errors_keep_the_input_and_change_nothing(client):
    rep = factories.RepresentativeFactory(seat=1)
    other = factories.RepresentativeFactory(seat=2, cwg=rep.cwg)
    client.force_login(rep.user)
    data = {"first_name": "Nomsa", "last_name": "", "phone": "nonsense", "email": "x@example.org"}
    response = client.post(reverse("cwg:replace"), data)
    body = response.content.decode()
    assert response.status_code == 200 and 'value="Nomsa"' in body
    assert "Enter a valid phone number" in body and "This field is required." in body
    assert list(rep.cwg.representatives.active()) == [rep, other]


def test_the_directory_filters_and_lists_the_people_to_call(operator_client):
    ward = factories.WardFactory(number=77)
    rep = factories.RepresentativeFactory(cwg__name="Khayelitsha Watch", cwg__wards=[ward])
    factories.RepresentativeFactory(cwg__name="Sea Point Watch", cwg__status=S.SUSPENDED)
    url = reverse("cwg:directory")

    body = operator_client.get(url).content.decode()
    assert "Khayelitsha Watch" in body and "Sea Point Watch" in body
    assert rep.name in body and rep.phone.as_national in body

    by_ward = operator_client.get(url, {"ward": ward.pk}).content.decode()
    assert "Khayelitsha Watch" in by_ward and "Sea Point Watch" not in by_ward
    by_status = operator_client.get(url, {"status": "suspended"}).content.decode()
    assert "Sea Point Watch" in by_status and "Khayelitsha Watch" not in by_status
    by_name = operator_client.get(url, {"q": "khaye"}).content.decode()
    assert "Khayelitsha Watch" in by_name and "Sea Point Watch" not in by_name
    by_reference = operator_client.get(url, {"q": rep.cwg.reference}).content.decode()
    assert "Khayelitsha Watch" in by_reference

    partial = operator_client.get(url, {"q": "khaye"}, headers={"HX-Request": "true"})
    assert partial.content.decode().startswith('<div id="directory">')
    assert operator_client.get(url, {"ward": "nonsense"}).status_code == 200


def test_the_directory_query_count_does_not_grow_with_groups(
    operator_client, django_assert_max_num_queries
):
    factories.RepresentativeFactory()
    with CaptureQueriesContext(connection) as one_group:
        operator_client.get(reverse("cwg:directory"))
    for _ in range(10):
        rep = factories.RepresentativeFactory(seat=1)
        factories.RepresentativeFactory(seat=2, cwg=rep.cwg)
    with django_assert_max_num_queries(len(one_group)):
        operator_client.get(reverse("cwg:directory"))
