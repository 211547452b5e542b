"""Account pages: thin wrappers around accounts.services."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mentorloom.audit.services import record_event
from mentorloom.core import ratelimit
from mentorloom.core.errors import DomainError
from mentorloom.core.forms import add_domain_errors
from mentorloom.mfa import flow as mfa_flow

from . import services, sessions, tokens_api
from .forms import (
    AccessTokenForm,
    EmailChangeForm,
    LoginForm,
    QueuedPasswordResetForm,
    SignupForm,
    ThrottledPasswordChangeForm,
)
from .models import User, normalize_email


def _site_url(request: HttpRequest) -> str:
    # Links in e-mails point at the host the person is actually using.
    return request.build_absolute_uri("/").rstrip("/")


SIGNUP_EMAIL_KEY = "signup_email"
# Set when this browser's sign-up created an account (services.creator_binding): opening the
# link here signs in; anywhere else, the account is reclaimed and a password must be chosen.
SIGNUP_BINDING_KEY = "signup_binding"


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = services.client_ip(request) or "unknown"
        if not ratelimit.allow("signup", ip, limit=20, window_seconds=3600):
            form.add_error(None, "Too many sign-ups from your network. Please try again later.")
        else:
            try:
                # A taken address gets the same answer as a new one (no enumeration); sign-up
                # does not sign in either way: the first opening of the e-mailed link does.
                created = services.sign_up_without_disclosure(
                    site_url=_site_url(request), **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            except ValidationError as exc:  # password validators
                form.add_error("password", exc)
            else:
                request.session[SIGNUP_EMAIL_KEY] = normalize_email(form.cleaned_data["email"])
                if created is not None:
                    request.session[SIGNUP_BINDING_KEY] = services.creator_binding(created)
                return redirect("accounts:verify_sent")
    return render(request, "accounts/signup.html", {"form": form})


def _pending_email(request: HttpRequest) -> str | None:
    if request.user.is_authenticated:
        return None if request.user.email_verified_at else request.user.email
    return request.session.get(SIGNUP_EMAIL_KEY)


def verify_sent(request: HttpRequest) -> HttpResponse:
    email = _pending_email(request)
    if email is None:
        return redirect("dashboard" if request.user.is_authenticated else "accounts:signup")
    return render(request, "accounts/verify_sent.html", {"email": email})


@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    email = _pending_email(request)
    if request.user.is_authenticated and email is None:
        messages.info(request, "Your e-mail address is already verified.")
    elif email is None:
        return redirect("accounts:signup")
    elif ratelimit.allow("verify-resend", email, limit=3, window_seconds=3600):
        # Only an unverified account gets a link; the answer is the same either way.
        pending = User.objects.filter(email=email, email_verified_at=None, is_active=True).first()
        if pending is not None:
            services.send_verification_email(pending, site_url=_site_url(request))
        messages.success(request, f"We sent a new link to {email}.")
    else:
        messages.error(
            request,
            "We have sent several links already. Please check your spam "
            "folder, or try again in an hour.",
        )
    target = request.POST.get("next")
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "accounts:verify_sent"
    return redirect(target)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user, first_time, reclaimed = services.open_verification_link(
            token, binding=request.session.get(SIGNUP_BINDING_KEY)
        )
    except DomainError as exc:
        return render(request, "accounts/link_invalid.html", {"message": exc.message}, status=400)
    if reclaimed:
        # Not the browser that set the password: whoever did is signed out, and this one
        # chooses a new password before signing in (services.open_verification_link).
        logout(request)
        messages.info(
            request,
            "Your e-mail address is verified. Please choose a password now. This browser is "
            "not the one that signed up, so to be sure only the owner of the mailbox can use "
            "the account we signed out every other device and removed any two-factor setup "
            "and access tokens made before. If you signed up on another device yourself, "
            "that is all this is: choose a password here and sign in with it.",
        )
        return redirect(services.set_password_path(user))
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated and first_time:
        # The first opening of the link proves the mailbox and signs in (sign-up does not).
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if request.user.is_authenticated:
        request.session.pop(SIGNUP_EMAIL_KEY, None)
        messages.success(
            request,
            "Thanks — your e-mail address is verified. Now tell mentors a little about yourself.",
        )
        return redirect("profiles:edit")
    messages.success(request, "Your e-mail address is verified. Please log in.")
    return redirect("accounts:login")


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(request, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status if exc.status == 429 else 200
        else:
            target = request.POST.get("next") or request.GET.get("next")
            if not target or not url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                target = "dashboard"
            # A second factor, if the person has one: not logged in until it is given.
            if parked := mfa_flow.park_if_needed(request, user, target):
                return parked
            login(request, user)
            return redirect(target)
    return render(request, "accounts/login.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record_event("auth.logout", request=request)
        sessions.forget_current(request)
    services.sign_out(request)
    messages.info(request, "You are logged out. See you soon.")
    return redirect("home")


@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    email_form = EmailChangeForm(request.POST or None, prefix="email")
    status = 200
    if request.method == "POST" and email_form.is_valid():
        try:
            services.request_email_change(
                request.user,
                new_email=email_form.cleaned_data["new_email"],
                password=email_form.cleaned_data["password"],
                site_url=_site_url(request),
            )
        except DomainError as exc:
            add_domain_errors(email_form, exc)
            status = 429 if exc.status == 429 else 200
        else:
            messages.success(
                request,
                "Check your new inbox: the change takes effect when you "
                "open the link we sent there.",
            )
            return redirect("accounts:settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "email_form": email_form,
            "token_form": AccessTokenForm(prefix="token"),
            "tokens": request.user.access_tokens.all(),
            "sessions": [
                {
                    "row": row,
                    "device": sessions.device_summary(row.user_agent),
                    "current": row.session_key == request.session.session_key,
                }
                for row in sessions.sessions_for(request.user)
            ],
            "idle_hours": settings.SESSION_IDLE_TIMEOUT // 3600,
            "max_days": settings.SESSION_COOKIE_AGE // 86400,
            # Shown once, right after creation; only its hash is stored.
            "new_token": request.session.pop("new_access_token", None),
        },
        status=status,
    )


@login_required
@require_POST
def create_access_token(request: HttpRequest) -> HttpResponse:
    form = AccessTokenForm(request.POST, prefix="token")
    if form.is_valid():
        try:
            _, token = tokens_api.create_token(request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            request.session["new_access_token"] = token
            return redirect("accounts:settings")
    else:
        messages.error(request, "Give the token a name of 1–80 characters.")
    return redirect("accounts:settings")


@login_required
@require_POST
def revoke_access_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        tokens_api.revoke_token(request.user, token_id)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, "The token is revoked; scripts using it stop working at once.")
    return redirect("accounts:settings")


@login_required
@require_POST
def revoke_session(request: HttpRequest, session_id: int) -> HttpResponse:
    if session_id == getattr(
        request.user.browser_sessions.filter(session_key=request.session.session_key).first(),
        "pk",
        None,
    ):
        messages.info(request, "To end this browser's session, log out.")
        return redirect("accounts:settings")
    try:
        sessions.revoke_session(request, session_id)
    except DomainError as exc:
        raise Http404 from exc
    messages.success(request, "That browser is signed out.")
    return redirect("accounts:settings")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    revoke_tokens = request.POST.get("revoke_tokens") == "on"
    ended = sessions.sign_out_everywhere(request, revoke_tokens=revoke_tokens)
    note = " Your access tokens are revoked." if revoke_tokens else ""
    messages.success(
        request, f"Signed out of {ended} other session{'s' if ended != 1 else ''}.{note}"
    )
    return redirect("accounts:settings")


def confirm_email_change(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.confirm_email_change(token)
    except DomainError as exc:
        return render(
            request,
            "accounts/link_invalid.html",
            {"message": exc.message, "email_change": True},
            status=400,
        )
    messages.success(request, "Your e-mail address has been changed.")
    return redirect("accounts:settings" if request.user.is_authenticated else "accounts:login")


class PasswordResetView(auth_views.PasswordResetView):
    """Same answer whether or not the address has an account (no user enumeration)."""

    template_name = "accounts/password_reset_form.html"
    form_class = QueuedPasswordResetForm
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        ip = services.client_ip(self.request) or "unknown"
        if not ratelimit.allow("password-reset", ip, limit=10, window_seconds=3600):
            form.add_error(None, "Too many reset requests from your network. Try again later.")
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        # The reset link proves the mailbox: an unverified account is verified and reclaimed.
        services.verify_by_password_reset(form.user)
        services.after_password_change(form.user, request=self.request, kind="auth.password.reset")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = ThrottledPasswordChangeForm
    success_url = reverse_lazy("accounts:settings")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, "Your password has been changed.")
        response = super().form_valid(form)
        services.after_password_change(
            form.user, request=self.request, kind="auth.password.changed"
        )
        return response
