from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/dashboard.html")


@login_required
def edit_profile(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/dashboard.html")
