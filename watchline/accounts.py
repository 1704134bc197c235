"""Account views beside Django's own: two-factor setup and verification, and the password
reset form with its requests throttled per address and per email."""

import base64

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from watchline import ratelimit
from watchline.security import is_privileged


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Type the 6 digits your app shows."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].strip()


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "home"


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Add an authenticator app: scan the QR code (or type the key), confirm with a code."""
    if not is_privileged(request.user):
        raise PermissionDenied
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("two_factor_verify")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor authentication is on for your account.")
            return redirect(_next(request))
        form.add_error("token", "That code is not right: check the app's clock and try again.")
    context = {
        "form": form,
        "qr": mark_safe(segno.make(device.config_url).svg_inline(scale=4)),  # noqa: S308
        "secret": base64.b32encode(device.bin_key).decode(),
        "next": _next(request),
    }
    return render(request, "registration/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The second step of a login: a code from the user's authenticator app."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", "That code is not right, or was used already.")
    return render(request, "registration/two_factor_verify.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, throttled: too many requests from one address get a 429; too many
    for one email send nothing more, with the same answer as ever (it names no account)."""

    def post(self, request, *args, **kwargs):
        spec = settings.PASSWORD_RESET_RATE_LIMIT
        if not ratelimit.allow("password-reset", ratelimit.client_address(request), spec):
            return ratelimit.too_many_requests(
                request, "Too many password reset requests came from this connection.", spec
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        if not ratelimit.allow("password-reset-email", email, settings.PASSWORD_RESET_RATE_LIMIT):
            return redirect(self.get_success_url())
        return super().form_valid(form)
