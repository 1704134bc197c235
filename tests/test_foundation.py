"""The foundation: each role lands on its own home, homes refuse other roles, the demo seed is
idempotent, /healthz tells the truth."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from cwg.models import CommunityWatchGroup, Representative, Ward
from joc.models import Incident, IncidentEvent, Resource
from reports.models import Category, Report
from tests import factories

pytestmark = pytest.mark.django_db


def log_in(client, username):
    credentials = {"username": username, "password": factories.PASSWORD}
    return client.post(reverse("login"), credentials, follow=True)


def test_reference_data_comes_from_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "JOC operator",
        "JOC supervisor",
        "CWG representative",
    }
    assert Ward.objects.count() == 116
    assert list(Ward.objects.values_list("number", flat=True)) == list(range(1, 117))
    assert Category.objects.count() == 9
    assert Ward.objects.get(number=2).neighbours.count() == 2


def test_operator_lands_on_the_dashboard(client):
    factories.OperatorFactory(username="op")
    response = log_in(client, "op")
    assert response.redirect_chain[-1][0] == reverse("joc:dashboard")
    assert b"JOC dashboard" in response.content


def test_supervisor_lands_on_the_dashboard(client):
    factories.SupervisorFactory(username="sup")
    assert log_in(client, "sup").redirect_chain[-1][0] == reverse("joc:dashboard")


def test_representative_lands_on_the_cwg_portal(client):
    rep = factories.RepresentativeFactory(cwg__name="Sea Point Watch")
    response = log_in(client, rep.user.username)
    assert response.redirect_chain[-1][0] == reverse("cwg:portal")
    assert b"Sea Point Watch" in response.content


def test_city_admin_lands_on_the_admin(client):
    factories.AdminFactory(username="boss")
    assert log_in(client, "boss").redirect_chain[-1][0] == reverse("admin:index")


def test_a_user_without_a_role_is_told_so(client):
    factories.UserFactory(username="nobody")
    response = log_in(client, "nobody")
    assert response.status_code == 403
    assert b"No role yet" in response.content


@pytest.mark.parametrize("url_name", ["joc:dashboard", "cwg:portal"])
def test_anonymous_users_are_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_dashboard_refuses_representatives(rep_client):
    response = rep_client.get(reverse("joc:dashboard"))
    assert response.status_code == 403
    assert b"Not allowed" in response.content


def test_the_portal_refuses_operators(operator_client):
    assert operator_client.get(reverse("cwg:portal")).status_code == 403


def test_the_portal_refuses_admins_without_a_seat(client, city_admin):
    client.force_login(city_admin)
    assert client.get(reverse("cwg:portal")).status_code == 403


def test_the_admin_refuses_operators(operator_client):
    response = operator_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_pages_carry_a_strict_content_security_policy(operator_client):
    policy = operator_client.get(reverse("joc:dashboard"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_seed_demo_twice_leaves_the_same_counts(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    models = (
        User,
        CommunityWatchGroup,
        Representative,
        Resource,
        Ward,
        Category,
        Group,
        Report,
        Incident,
        IncidentEvent,
    )
    first = {m.__name__: m.objects.count() for m in models}
    call_command("seed_demo", stdout=io.StringIO())
    assert {m.__name__: m.objects.count() for m in models} == first
    assert first["CommunityWatchGroup"] >= 3
    # The demo reports went through triage: the two nearby floods from two CWGs corroborate.
    assert first["Report"] == 3 and first["Incident"] == 2
    flood = Incident.objects.get(category__slug="flood")
    assert flood.reports.values("cwg").distinct().count() == 2


def test_seed_demo_makes_the_documented_accounts(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    rep1 = Representative.objects.get(user__username="rep1")
    rep2 = Representative.objects.get(user__username="rep2")
    assert rep1.cwg == rep2.cwg
    assert str(rep1.phone) == "+27820000001"
    assert str(rep2.phone) == "+27820000002"
    assert log_in(client, "operator").redirect_chain[-1][0] == reverse("joc:dashboard")
    client.logout()
    assert log_in(client, "rep1").redirect_chain[-1][0] == reverse("cwg:portal")
    client.logout()
    assert log_in(client, "admin").redirect_chain[-1][0] == reverse("admin:index")


def test_seed_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(username="operator").exists()


def test_healthz_is_ok_when_database_and_channel_layer_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok"},
    }


def test_healthz_is_503_when_the_channel_layer_is_unreachable(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},  # nothing listens on port 1
        }
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_liveness_probe_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/livez").content == b"ok"


def test_queries_run_on_the_configured_database(settings):
    engine = settings.DATABASES["default"]["ENGINE"]
    assert connection.vendor in engine
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
        else:
            cursor.execute("SELECT sqlite_version()")
            assert cursor.fetchone()[0]
