"""Background work for CWGs, run through Django's Tasks API."""

from urllib.parse import urljoin

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task


@task()
def send_set_password_email(user_id, site_url):
    """Email a representative whose account has opened a link to set their password (Django's
    password-reset token: it stops working once used, or once they log in)."""
    user = User.objects.get(pk=user_id)
    rep = user.representative_seats.select_related("cwg").filter(active=True).first()
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"user": user, "cwg": rep.cwg if rep else None, "link": urljoin(site_url, path)}
    send_mail(
        subject="Your Watchline account is ready",
        message=render_to_string("cwg/email/set_password.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


@task()
def send_seat_invitation(email, cwg_id, token, site_url):
    """Email the owner of an existing account that an application named them as a
    representative: they take the seat by logging in and confirming, or ignore it."""
    from cwg.models import CommunityWatchGroup

    cwg = CommunityWatchGroup.objects.get(pk=cwg_id)
    link = urljoin(site_url, reverse("cwg:accept_invitation", kwargs={"token": token}))
    send_mail(
        subject=f"Confirm: representative of {cwg.name} on Watchline",
        message=render_to_string("cwg/email/seat_invitation.txt", {"cwg": cwg, "link": link}),
        from_email=None,
        recipient_list=[email],
    )
