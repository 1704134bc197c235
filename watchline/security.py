"""Account protections for the JOC floor and the city admins: two-factor authentication
(TOTP through django-otp), an idle timeout, and the login lockout's page (django-axes)."""

import ipaddress
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device

from watchline import permissions, ratelimit
from watchline.middleware import DATABASE_DOWN, database_unavailable
from watchline.models import SecurityPolicy

logger = logging.getLogger(__name__)


def is_privileged(user):
    """Operators, supervisors and city admins: the accounts with the most to lose."""
    return user.is_authenticated and (permissions.is_operator(user) or user.is_staff)


def needs_second_factor(user):
    """The step this user still owes before using the site: "verify" (a code for their
    device), "setup" (the policy requires a device they lack), or "" (none)."""
    if not is_privileged(user) or getattr(user, "is_verified", lambda: False)():
        return ""
    if user_has_device(user):
        return "verify"
    if SecurityPolicy.objects.filter(pk=1, require_two_factor=True).exists():
        return "setup"
    return ""


def verified_from_session(user, session):
    """What django-otp's middleware does for a request, for a WebSocket's scope: the user,
    told which device (if any) their session verified."""
    device_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(device_id) if device_id else None
    user.otp_device = device if device is not None and device.user_id == user.pk else None
    user.is_verified = lambda: user.otp_device is not None
    return user


def _exempt(path):
    prefixes = (reverse("two_factor_setup"), reverse("two_factor_verify"), reverse("logout"))
    return path.startswith(prefixes) or path.startswith(f"/{settings.STATIC_URL.lstrip('/')}")


# How long a session trusts its last look at the user's devices and the policy, and how
# often it records the time it was last used: a request within that time costs no query.
RECHECK_SECONDS = 60
CHECKED_KEY = "watchline_2fa_checked"
LAST_SEEN_KEY = "watchline_last_seen"


class CheckMiddleware:
    """A middleware that checks each request before its view and may answer instead; with the
    database down it answers the static 503 page, as the views do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            answer = self.check(request)
        except DATABASE_DOWN as down:
            logger.warning("database unavailable for %s: %s", request.path, down)
            return database_unavailable()
        return answer or self.get_response(request)

    def check(self, request):
        raise NotImplementedError


class TwoFactorMiddleware(CheckMiddleware):
    """Sends a privileged user who owes a second factor to set it up or to verify it."""

    def check(self, request):
        user = request.user
        if is_privileged(user) and not user.is_verified() and not _exempt(request.path):
            now = time.time()
            if now - request.session.get(CHECKED_KEY, 0) > RECHECK_SECONDS:
                step = needs_second_factor(user)
                if step:
                    name = "two_factor_setup" if step == "setup" else "two_factor_verify"
                    return redirect_to_login(request.get_full_path(), reverse(name))
                request.session[CHECKED_KEY] = now
        return None


class IdleTimeoutMiddleware(CheckMiddleware):
    """Logs a privileged user out after `SESSION_IDLE_TIMEOUT` seconds without a request."""

    def check(self, request):
        if is_privileged(request.user):
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            if now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, "You were logged out after a while without activity.")
                return redirect_to_login(request.get_full_path())
            if now - last_seen > RECHECK_SECONDS or LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = now
        return None


@receiver(user_logged_in)
def start_the_clocks(sender, request, user, **kwargs):
    """A fresh login counts as activity, and a user who owes no second factor is not asked
    again for a while: their first pages cost no extra query."""
    if request is None or not hasattr(request, "session") or not is_privileged(user):
        return
    now = time.time()
    request.session[LAST_SEEN_KEY] = now
    if not needs_second_factor(user):
        request.session[CHECKED_KEY] = now


def client_ip(request):
    """The client's address as the rate limits read it, for django-axes; None when it is not an
    IP address (a request made up in code, as `Client.force_login` does, has none)."""
    address = ratelimit.client_address(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def login_username(request, credentials):
    """The username a login attempt named, for django-axes: as long as a username can be and
    without NUL characters, so a hostile form cannot make recording the failure fail (a 500)."""
    value = (credentials or {}).get("username")
    if value is None:
        value = request.POST.get("username", "") if request is not None else ""
    return str(value).replace("\x00", "")[: User._meta.get_field("username").max_length]


def locked_out(request, credentials, *args, **kwargs):
    """django-axes' answer to a locked-out login: the login page's look, a clear message."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
