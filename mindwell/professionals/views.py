"""Applying as a professional, and the moderators' verification queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mindwell.accounts.http import AuthedRequest
from mindwell.professionals import actions
from mindwell.professionals.forms import ApplicationForm, DecisionForm
from mindwell.professionals.models import Credential


@login_required
def apply(request: AuthedRequest) -> HttpResponse:
    credential = Credential.objects.filter(user=request.user).first()
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.apply(user=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            form.add_error(None, invalid.messages[0])
        else:
            messages.success(request, "Thank you. A moderator will check your licence.")
            return redirect("professional_apply")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "professionals/apply.html",
        {"form": form, "credential": credential},
        status=status,
    )


def check_moderator(request: AuthedRequest) -> None:
    if not request.user.is_moderator:
        raise PermissionDenied("Only moderators verify professionals.")


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    check_moderator(request)
    pending = Credential.objects.filter(status=Credential.Status.PENDING).select_related("user")
    return render(
        request,
        "professionals/queue.html",
        {"pending": pending.order_by("applied_at")},
    )


@login_required
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    check_moderator(request)
    credential = get_object_or_404(Credential.objects.select_related("user"), pk=pk)
    form = DecisionForm(request.POST)
    error = ""
    if not form.is_valid():
        error = str(next(iter(form.errors.values()))[0])
    else:
        verify = form.cleaned_data["decision"] == "verify"
        try:
            actions.decide(
                credential=credential,
                moderator=request.user,
                verify=verify,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as invalid:
            error = invalid.messages[0]
        else:
            word = "verified" if verify else "declined"
            messages.success(request, f"{credential.user.display_name} is {word}.")
            return redirect("professional_queue")
    pending = Credential.objects.filter(status=Credential.Status.PENDING).select_related("user")
    context = {"pending": pending.order_by("applied_at"), "error": error, "failed": credential.pk}
    return render(request, "professionals/queue.html", context, status=400)
