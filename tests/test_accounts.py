"""Password change and reset through the real views and email."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_password_reset_emails_a_link_that_sets_a_new_password(client):
    user = factories.OperatorFactory(username="forgetful", email="forgetful@example.org")
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    new_password = "a-much-longer-passphrase-2026"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert b"Password set" in done.content
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_says_nothing_about_unknown_addresses(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert b"If an account exists" in response.content
    assert mail.outbox == []


def test_password_change_keeps_the_user_logged_in(operator_client, operator):
    new_password = "another-long-passphrase-2026"
    response = operator_client.post(
        reverse("password_change"),
        {
            "old_password": factories.PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
        },
        follow=True,
    )
    assert b"Password changed" in response.content
    operator.refresh_from_db()
    assert operator.check_password(new_password)
    assert operator_client.get(reverse("joc:dashboard")).status_code == 200


def test_password_change_shows_errors_beside_the_fields(operator_client):
    response = operator_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert response.status_code == 200
    assert b'class="field-error"' in response.content
