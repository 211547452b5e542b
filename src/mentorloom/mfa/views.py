"""MFA pages: settings (enrol, recovery codes, passkeys, disable) and the sign-in second step."""

from __future__ import annotations

import base64
import json

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST

from mentorloom.core.errors import DomainError, InvalidInput, error_body
from mentorloom.core.forms import add_domain_errors

from . import flow, selectors, services
from .errors import ChallengeThrottled, PendingLoginExpired
from .forms import ChallengeForm, ConfirmIdentityForm, ConfirmTotpForm, RecoveryChallengeForm

NEW_CODES_KEY = "mfa_new_recovery_codes"
REGISTRATION_KEY = "mfa_passkey_registration_challenge"
AUTHENTICATION_KEY = "mfa_passkey_authentication_challenge"


def _json_error(exc: DomainError) -> JsonResponse:
    return JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status)


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


# --- Settings ---------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "mfa/overview.html",
        {
            "enabled": selectors.has_mfa(user),
            "codes_left": selectors.recovery_codes_left(user),
            "passkeys": selectors.passkeys_for(user),
        },
    )


@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    try:
        device = services.start_totp_enrolment(request.user)
    except DomainError as exc:
        messages.info(request, exc.message)
        return redirect("mfa:overview")
    form = ConfirmTotpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_totp_enrolment(request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            status = 429 if isinstance(exc, ChallengeThrottled) else 400
        else:
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, "Two-factor authentication is on.")
            return redirect("mfa:recovery_codes")
    elif request.method == "POST":
        status = 400
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "mfa/enrol.html",
        {
            "form": form,
            "secret": secret,
            "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "qr_data_uri": qr.svg_data_uri(scale=5, border=2, dark="#111", light="#fff"),
        },
        status=status,
    )


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    # Shown once: straight after enrolment or regeneration; only the app keeps them after.
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("mfa:overview")
    response = render(
        request,
        "mfa/recovery_codes.html",
        {"codes": codes, "download": "\n".join(codes) + "\n"},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def regenerate_codes(request: HttpRequest) -> HttpResponse:
    if not selectors.has_mfa(request.user):
        return redirect("mfa:overview")
    # Bound on every POST: an empty one shows "required" on both fields.
    form = ConfirmIdentityForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.regenerate_recovery_codes(request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            status = 429 if isinstance(exc, ChallengeThrottled) else 400
        else:
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, "New recovery codes: the old ones no longer work.")
            return redirect("mfa:recovery_codes")
    return render(request, "mfa/regenerate_codes.html", {"form": form}, status=status)


@login_required
def disable(request: HttpRequest) -> HttpResponse:
    if not selectors.has_mfa(request.user):
        return redirect("mfa:overview")
    form = ConfirmIdentityForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.disable_mfa(request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            status = 429 if isinstance(exc, ChallengeThrottled) else 400
        else:
            messages.success(request, "Two-factor authentication is off.")
            return redirect("mfa:overview")
    return render(request, "mfa/disable.html", {"form": form}, status=status)


@login_required
@require_POST
def passkey_registration_options(request: HttpRequest) -> HttpResponse:
    form = ConfirmIdentityForm(_json_body(request))
    try:
        if not form.is_valid():
            raise InvalidInput(
                "Enter your current password and a code from your authenticator app.",
                fields={name: list(errors) for name, errors in form.errors.items()},
            )
        options, challenge = services.begin_passkey_registration(request.user, **form.cleaned_data)
    except DomainError as exc:
        return _json_error(exc)
    request.session[REGISTRATION_KEY] = challenge
    return HttpResponse(options, content_type="application/json")


@login_required
@require_POST
def passkey_register(request: HttpRequest) -> HttpResponse:
    data = _json_body(request)
    # One challenge, one attempt: a replayed response finds nothing to match.
    challenge = request.session.pop(REGISTRATION_KEY, None)
    try:
        if not challenge or not isinstance(data.get("credential"), dict):
            raise services.PasskeyRejected()
        services.finish_passkey_registration(
            request.user,
            name=str(data.get("name") or ""),
            credential=data["credential"],
            challenge=challenge,
        )
    except DomainError as exc:
        return _json_error(exc)
    messages.success(request, "Passkey added.")
    return JsonResponse({"redirect": resolve_url("mfa:overview")})


@login_required
@require_POST
def passkey_remove(request: HttpRequest, passkey_id: int) -> HttpResponse:
    services.remove_passkey(request.user, passkey_id)
    messages.success(request, "Passkey removed.")
    return redirect("mfa:overview")


# --- The second step of signing in ------------------------------------------------------------


def challenge(request: HttpRequest) -> HttpResponse:
    user = flow.pending_user(request)
    if user is None:
        messages.info(request, PendingLoginExpired.default_message)
        return redirect("accounts:login")
    use_recovery = request.POST.get("method") == "recovery"
    data = request.POST if request.method == "POST" else None
    form = ChallengeForm(None if use_recovery else data)
    recovery_form = RecoveryChallengeForm(data if use_recovery else None, prefix="recovery")
    active = recovery_form if use_recovery else form
    status = 200
    if request.method == "POST" and active.is_valid():
        try:
            method = services.verify_code(user, active.cleaned_data["code"])
        except DomainError as exc:
            add_domain_errors(active, exc)
            status = exc.status
        else:
            remember = active.cleaned_data["remember"]
            response = flow.complete_login(request, user, remember=remember)
            if method == "recovery":
                left = selectors.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. "
                    "Generate new ones in Account settings if you are running low.",
                )
            return response
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "mfa/challenge.html",
        {
            "form": form,
            "recovery_form": recovery_form,
            "use_recovery": use_recovery,
            "has_passkeys": bool(selectors.passkeys_for(user)),
        },
        status=status,
    )


@require_POST
def challenge_passkey_options(request: HttpRequest) -> HttpResponse:
    user = flow.pending_user(request)
    if user is None:
        return _json_error(PendingLoginExpired())
    options, challenge_value = services.begin_passkey_authentication(user)
    request.session[AUTHENTICATION_KEY] = challenge_value
    return HttpResponse(options, content_type="application/json")


@require_POST
def challenge_passkey(request: HttpRequest) -> HttpResponse:
    user = flow.pending_user(request)
    if user is None:
        return _json_error(PendingLoginExpired())
    data = _json_body(request)
    challenge_value = request.session.pop(AUTHENTICATION_KEY, None)
    try:
        if not challenge_value or not isinstance(data.get("credential"), dict):
            raise services.PasskeyRejected()
        services.verify_passkey(user, credential=data["credential"], challenge=challenge_value)
    except DomainError as exc:
        return _json_error(exc)
    redirect_response = flow.complete_login(request, user, remember=bool(data.get("remember")))
    # The script follows the redirect itself; the trusted-device cookie rides along.
    response = JsonResponse({"redirect": redirect_response["Location"]})
    response.cookies = redirect_response.cookies
    return response


@require_POST
def challenge_cancel(request: HttpRequest) -> HttpResponse:
    flow.cancel(request)
    return redirect("accounts:login")
