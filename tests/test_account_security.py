"""Login lockout (django-axes), throttled password resets, long passwords, the idle timeout
and two-factor authentication, through the real views and middleware."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from watchline.models import SecurityPolicy

pytestmark = pytest.mark.django_db


def log_in(client, username, password=factories.PASSWORD, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def logged_in(response):
    return response.status_code == 302 and response.url != reverse("login")


def code_for(device, offset=0):
    return f"{totp(device.bin_key, drift=offset):06d}"


# --- Lockout ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_everywhere_with_a_clear_message(client):
    factories.OperatorFactory(username="target")
    for _ in range(4):
        assert log_in(client, "target", "wrong-password").status_code == 200
    assert log_in(client, "target", "wrong-password").status_code == 429  # the fifth locks
    locked = log_in(client, "target", address="10.9.9.9")  # the right password, elsewhere
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    assert "Login locked for 15 minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_across_users_from_one_address_lock_that_address(client):
    for n in range(5):
        factories.OperatorFactory(username=f"user-{n}")
        log_in(client, f"user-{n}", "wrong-password", address="10.0.0.7")
    factories.OperatorFactory(username="innocent")
    assert log_in(client, "innocent", address="10.0.0.7").status_code == 429
    assert logged_in(log_in(client, "innocent", address="10.0.0.8"))


def test_four_failures_then_the_right_password_log_in(client):
    factories.OperatorFactory(username="clumsy")
    for _ in range(4):
        log_in(client, "clumsy", "wrong-password")
    assert logged_in(log_in(client, "clumsy"))


def test_the_lock_ends_after_fifteen_minutes(client):
    factories.OperatorFactory(username="patient")
    for _ in range(5):
        log_in(client, "patient", "wrong-password")
    assert log_in(client, "patient").status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert logged_in(log_in(client, "patient"))


def test_a_city_admin_unlocks_in_the_admin(client, city_admin):
    factories.OperatorFactory(username="locked")
    for _ in range(5):
        log_in(client, "locked", "wrong-password")
    assert log_in(client, "locked").status_code == 429
    admin = factories.AdminFactory(is_superuser=True)
    admin_client = type(client)()
    admin_client.force_login(admin)
    attempts = AccessAttempt.objects.filter(username="locked")
    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200 and "locked" in changelist.content.decode()
    admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [a.pk for a in attempts],
            "post": "yes",
        },
    )
    assert not AccessAttempt.objects.filter(username="locked").exists()
    assert logged_in(log_in(client, "locked", address="10.0.0.99"))


# --- Password reset and length ---------------------------------------------------------------


def test_password_reset_requests_are_throttled_per_address(client, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "3/h"
    for n in range(3):
        response = client.post(reverse("password_reset"), {"email": f"p{n}@example.org"})
        assert response.status_code == 302
    refused = client.post(reverse("password_reset"), {"email": "p9@example.org"})
    assert refused.status_code == 429 and "Retry-After" in refused


def test_password_reset_emails_per_address_are_capped_with_the_same_answer(client, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/h"
    factories.OperatorFactory(username="forgetful", email="forgetful@example.org")
    answers = [
        client.post(
            reverse("password_reset"),
            {"email": "forgetful@example.org"},
            REMOTE_ADDR=f"10.1.0.{n}",
        )
        for n in range(4)
    ]
    assert {(a.status_code, a.url) for a in answers} == {(302, reverse("password_reset_done"))}
    assert len(mail.outbox) == 2


def test_a_password_shorter_than_twelve_characters_is_refused(operator_client):
    short = "Abcdefgh12!"  # 11 characters
    response = operator_client.post(
        reverse("password_change"),
        {"old_password": factories.PASSWORD, "new_password1": short, "new_password2": short},
    )
    assert "at least 12 characters" in response.content.decode()


# --- Idle timeout ----------------------------------------------------------------------------


def test_an_idle_operator_is_logged_out_and_an_active_one_is_not(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.force_login(factories.OperatorFactory())
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get(reverse("joc:dashboard")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=29), tick=False):
        assert client.get(reverse("joc:dashboard")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=60), tick=False):
        response = client.get(reverse("joc:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_representative_has_no_idle_timeout(rep_client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert rep_client.get(reverse("cwg:portal")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):
        assert rep_client.get(reverse("cwg:portal")).status_code == 200


# --- Two-factor ------------------------------------------------------------------------------


def test_an_operator_with_a_device_confirms_each_login_with_a_code(client):
    operator = factories.OperatorFactory(username="careful")
    device = TOTPDevice.objects.create(user=operator, name="phone")
    assert logged_in(log_in(client, "careful"))
    response = client.get(reverse("joc:dashboard"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify"))
    wrong = client.post(reverse("two_factor_verify"), {"token": "000000"})
    assert "That code is not right" in wrong.content.decode()
    assert client.get(reverse("joc:dashboard")).status_code == 302
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):  # past the throttle
        right = client.post(
            reverse("two_factor_verify"), {"token": code_for(device), "next": "/joc/"}
        )
    assert right.status_code == 302 and right.url == "/joc/"
    assert client.get(reverse("joc:dashboard")).status_code == 200


def test_the_city_admin_makes_two_factor_mandatory_and_an_operator_sets_it_up(client):
    operator = factories.OperatorFactory()
    client.force_login(operator)
    assert client.get(reverse("joc:dashboard")).status_code == 200  # optional by default
    policy = SecurityPolicy.current()
    policy.require_two_factor = True
    policy.save()
    # Sessions look at the policy again within a minute.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        response = client.get(reverse("joc:dashboard"))
        assert response.url.startswith(reverse("two_factor_setup"))
        page = client.get(response.url).content.decode()
        assert "<svg" in page and "Turn on" in page
        device = TOTPDevice.objects.get(user=operator, confirmed=False)
        done = client.post(
            reverse("two_factor_setup"), {"token": code_for(device), "next": "/joc/"}
        )
        assert done.status_code == 302 and done.url == "/joc/"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(reverse("joc:dashboard")).status_code == 200


def test_the_mandatory_policy_leaves_representatives_alone(rep_client):
    SecurityPolicy.objects.create(require_two_factor=True)
    assert rep_client.get(reverse("cwg:portal")).status_code == 200
    assert rep_client.get(reverse("two_factor_setup")).status_code == 403


def test_the_city_admin_edits_the_policy_in_the_admin(client):
    client.force_login(factories.AdminFactory(is_superuser=True))
    url = reverse("admin:watchline_securitypolicy_change", args=[SecurityPolicy.current().pk])
    client.post(url, {"require_two_factor": "on"})
    assert SecurityPolicy.current().require_two_factor


def test_a_hostile_username_is_refused_without_a_500(client):
    for username in ("x" * 5000, "a\x00b"):
        response = log_in(client, username, "wrong-password")
        assert response.status_code == 200
    assert AccessAttempt.objects.filter(username="x" * 150).exists()
