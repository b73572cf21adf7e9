"""Pages of crisis care: the check-in before a risky post, helplines and the country
chooser, "I'm worried about this person" (rate-limited per reporter), the member's wellbeing
check-in choice, and the moderators' at-risk list.

A composer view screens the text once (`screen_text`), then calls `check_in(...)`
after its form is valid and before its action: when screening says `risk` and the
person has not yet confirmed, the answer is a calm page with helplines and a form
that posts everything again with `safety_confirmed=1`. Nothing is blocked:
confirming posts it; going back brings the form back filled. With JavaScript,
`checkin.js` asks `precheck` first and shows the same panel in a dialog.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mindwell.accounts.http import AuthedRequest
from mindwell.accounts.models import Level, User
from mindwell.moderation import limits
from mindwell.qa.models import Post
from mindwell.safety import actions
from mindwell.safety.helplines import (
    INTERNATIONAL,
    countries,
    directory,
    emergency_number,
    helplines_for,
    resolve_country,
)
from mindwell.safety.models import Helpline, HelplineCountry, Screening, WellbeingPreference
from mindwell.safety.screening import Screening as Finding

CONFIRMED = "safety_confirmed"
BACK = "safety_back"
COUNTRY = "safety_country"
KIND = "safety_kind"
NOT_RESENT = frozenset({"csrfmiddlewaretoken", CONFIRMED, BACK, COUNTRY, KIND, "check_similar"})
COUNTRY_COOKIE = "mindwell_country"
COUNTRY_COOKIE_AGE = 365 * 24 * 3600
KINDS = ("question", "answer", "comment", "edit")


# --- the country, and the helplines it picks ----------------------------------------


def chosen_country(request: HttpRequest) -> str:
    """The country the person chose: a member's profile, a visitor's cookie ("INT": elsewhere)."""
    user = request.user
    if isinstance(user, User) and user.country:
        return user.country
    return valid_country(request.COOKIES.get(COUNTRY_COOKIE, "")) or ""


def valid_country(code: str) -> str | None:
    """A choice the chooser offers ("" for the browser's language, "INT" for elsewhere)."""
    code = code.strip().upper()
    if code in ("", INTERNATIONAL) or code in directory().countries:
        return code
    return None


def helpline_context(request: HttpRequest) -> dict[str, object]:
    """The helplines for the person's chosen country, else their browser's language."""
    chosen = chosen_country(request)
    accept_language = request.headers.get("Accept-Language")
    country = resolve_country(chosen, accept_language)
    return {
        "helplines": helplines_for(chosen, accept_language),
        "helpline_country": directory().countries[country].name if country else "",
        "helpline_source": "chosen" if chosen else "browser" if country else "",
        "chosen_country": chosen or country or "",  # the chooser's selected option
        "countries": countries(),
        "emergency_number": emergency_number(country),
    }


def remember_country(request: HttpRequest, response: HttpResponse, code: str) -> None:
    """Keep the choice: in a member's profile, in a cookie for a visitor."""
    if isinstance(request.user, User):
        actions.choose_country(request.user, code)
    else:
        set_country_cookie(response, code)


def set_country_cookie(response: HttpResponse, code: str) -> None:
    if code:
        response.set_cookie(
            COUNTRY_COOKIE, code, max_age=COUNTRY_COOKIE_AGE, samesite="Lax", httponly=True
        )
    else:
        response.delete_cookie(COUNTRY_COOKIE, samesite="Lax")


def helplines(request: HttpRequest) -> HttpResponse:
    return render(request, "safety/helplines.html", helpline_context(request))


@require_POST
def set_country(request: HttpRequest) -> HttpResponse:
    code = valid_country(request.POST.get("country", ""))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("helplines")
    if code is None:
        context = {**helpline_context(request), "country_error": "Choose a country from the list."}
        return render(request, "safety/helplines.html", context, status=400)
    response = redirect(next_url)
    remember_country(request, response, code)
    return response


# --- the check-in -------------------------------------------------------------------


def going_back(request: HttpRequest) -> bool:
    """The person chose "Go back without posting": show the composer again, filled in."""
    return request.method == "POST" and request.POST.get(BACK) == "1"


def asks_on_edit(request: HttpRequest, post: Post) -> bool:
    """Whether an edit of `post` gets the check-in: the writer's own edit of a post that did
    not read as risk. Once it did, they saw the check-in and the post shows every reader the
    helplines, so fixing a typo does not ask again. A moderator editing someone else's post
    is not asked: the text is not theirs.
    """
    return (
        post.author_id is not None
        and post.author_id == request.user.pk
        and not Screening.objects.filter(post=post, label=Screening.Label.RISK).exists()
    )


def check_in(
    request: HttpRequest, found: Finding, *, kind: str, anchor: str = ""
) -> HttpResponse | None:
    """The check-in page if the text reads as risk and was not confirmed, else None (post it).

    `kind`: "question", "answer", "comment", or "edit" (the buttons then say "save").
    """
    if request.POST.get(CONFIRMED) == "1" or found.label != Screening.Label.RISK:
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_RESENT
        for value in values
    ]
    context = {"kind": kind, "fields": fields, "action": request.path, "anchor": anchor}
    return _with_country_choice(request, "safety/check_in.html", context)


@require_POST
def precheck(request: HttpRequest) -> HttpResponse:
    """For checkin.js: the check-in panel for the dialog if the text reads as risk, else 204."""
    kind = request.POST.get(KIND, "")
    if kind not in KINDS:
        return HttpResponse("Which kind of post?", status=400, content_type="text/plain")
    found = actions.screen_text(request.POST.get("title", ""), request.POST.get("body", ""))
    if found.label != Screening.Label.RISK:
        return HttpResponse(status=204)
    context = {"kind": kind, "fields": [], "action": request.path, "in_dialog": True}
    return _with_country_choice(request, "safety/check_in.html#panel", context)


def _with_country_choice(
    request: HttpRequest, template: str, context: dict[str, Any]
) -> HttpResponse:
    """Render the check-in, first keeping a country chosen on it (the panel then follows it)."""
    code = valid_country(request.POST.get(COUNTRY, "-"))
    member = request.user if isinstance(request.user, User) else None
    if code is not None and member is not None:
        actions.choose_country(member, code)
    elif code is not None:
        request.COOKIES[COUNTRY_COOKIE] = code  # the page below shows the new choice
    response = render(request, template, {**context, **helpline_context(request)})
    if code is not None and member is None:
        set_country_cookie(response, code)
    return response


# --- "I'm worried about this person" ----------------------------------------------


@require_POST
def worried(request: HttpRequest, pk: int) -> HttpResponse:
    post = (
        Post.objects.visible_to(request.user).exclude(state=Post.State.HIDDEN).filter(pk=pk).first()
    )
    if post is None:
        raise Http404("No such post")
    # Once per reader and post: a second press shows the guidance again, alerts nobody.
    already = request.session.get("worried_about", [])
    context = {"post": post, **helpline_context(request)}
    if post.pk not in already:
        if refusal := take_worried_slot(request):
            # The reader still sees how to help and the helplines; only the report waits.
            page = render(request, "safety/worried.html", {**context, "refusal": refusal})
            return limits.too_many(request, refusal, page)
        actions.worry_about(post, request.user if isinstance(request.user, User) else None)
        request.session["worried_about"] = [*already[-49:], post.pk]
    return render(request, "safety/worried.html", context)


def take_worried_slot(request: HttpRequest) -> limits.Refusal | None:
    """Count one report for this reporter (a member, else their address), or refuse it.

    moderation.limits has no kind for these reports and adding one means editing its
    table and the settings' limits, so the same fixed hourly window is kept here: a
    report is rare, and a flood of them from one person is harassment by proxy.
    """
    user = request.user
    who = f"user:{user.pk}" if isinstance(user, User) else f"ip:{limits.ip_key(request)}"
    window = int(time.time()) // limits.WINDOW * limits.WINDOW
    key = f"limit:worried:{who}:{window}"
    cache.add(key, 0, limits.WINDOW + 60)
    try:
        taken = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window has begun
        cache.add(key, 0, limits.WINDOW + 60)
        taken = cache.incr(key)
    allowed = settings.MINDWELL_WORRIED_PER_HOUR
    if taken <= allowed:
        return None
    retry = limits.WINDOW - int(time.time()) % limits.WINDOW
    return limits.Refusal(
        f"You have told us about {allowed} people this hour, so we have not passed this one"
        f" on. Please try again {limits.in_minutes(retry)}. If they are in danger now, call"
        " the emergency number.",
        retry,
    )


# --- wellbeing check-ins ------------------------------------------------------------


class CheckInsForm(forms.Form):
    check_ins = forms.BooleanField(
        label="Moderators may message me privately if they are worried about me",
        required=False,
        help_text="Turn this off and moderators will reply on the site instead. Your posts"
        " still show the helplines, and moderators still see them if you may be at risk.",
    )


@login_required
def check_ins(request: AuthedRequest) -> HttpResponse:
    preference = WellbeingPreference.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = CheckInsForm(request.POST)
        if form.is_valid():
            actions.set_check_ins(request.user, form.cleaned_data["check_ins"])
            messages.success(request, "Saved your choice about wellbeing check-ins.")
            return redirect("check_ins")
    else:
        form = CheckInsForm(initial={"check_ins": preference is None or preference.check_ins})
    return render(request, "safety/check_ins.html", {"form": form})


# --- the moderators' side ----------------------------------------------------------


class ResponseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Screening.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what came of your response."},
    )
    note = forms.CharField(
        label="What you did",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say in a few words how you responded."},
    )


def check_moderator(request: AuthedRequest) -> None:
    if not request.user.is_moderator:
        raise PermissionDenied("Only moderators see who may be at risk.")


@login_required
def at_risk(request: AuthedRequest) -> HttpResponse:
    check_moderator(request)
    actions.seen_at_risk(request.user)
    return render_at_risk(request)


def render_at_risk(
    request: AuthedRequest, form: ResponseForm | None = None, form_for: int = 0, status: int = 200
) -> HttpResponse:
    # post__author__wellbeing: whether the writer turned off private check-ins, same query.
    awaiting = list(
        Screening.objects.awaiting_response().select_related(
            "post", "post__question", "post__author__wellbeing"
        )
    )
    responded = list(
        Screening.objects.filter(responded_at__isnull=False)
        .select_related("post", "post__question", "responded_by")
        .order_by("-responded_at")[:20]
    )
    context = {
        "awaiting": awaiting,
        "responded": responded,
        "form": form or ResponseForm(),
        "form_for": form_for,
        "response_minutes": settings.MINDWELL_CRISIS_RESPONSE_MINUTES,
        "unanswered_minutes": settings.MINDWELL_CRISIS_UNANSWERED_MINUTES,
        "outcomes": Screening.Outcome.choices,
    }
    return render(request, "safety/at_risk.html", context, status=status)


@login_required
@require_POST
def respond(request: AuthedRequest, pk: int) -> HttpResponse:
    check_moderator(request)
    screening = get_object_or_404(Screening, post_id=pk, alerted_at__isnull=False)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        return render_at_risk(request, form, form_for=pk, status=400)
    actions.record_response(
        screening=screening,
        moderator=request.user,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    return redirect("at_risk")


# --- the admins' helpline directory ------------------------------------------------


class HelplineForm(forms.ModelForm[Helpline]):
    class Meta:
        model = Helpline
        fields = ["name", "phone", "text", "web", "hours", "verified_on"]
        labels = {"text": "Text", "web": "Web site", "verified_on": "Last verified on"}
        help_texts = {
            "text": "The number to text, with the word to send if the service asks for one.",
            "verified_on": "The day you checked this entry against the service's own site.",
        }
        widgets = {"verified_on": forms.DateInput(attrs={"type": "date"})}

    def clean_web(self) -> str:
        web: str = self.cleaned_data["web"]
        if web and not web.startswith("https://"):
            raise forms.ValidationError("Give the address with https://.")
        return web

    def clean_verified_on(self) -> date | None:
        day: date | None = self.cleaned_data["verified_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError("That day has not come yet.")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone") or data.get("text") or data.get("web")):
            raise forms.ValidationError(
                "Give at least a phone number, a text number or a web site."
            )
        return data


class NewHelplineForm(HelplineForm):
    """A new entry: an existing entry's fields, and the country it is for."""

    field_order = ["country"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        choices = [(c.code, c.name) for c in HelplineCountry.objects.all()]
        self.fields["country"] = forms.ChoiceField(
            label="Country",
            choices=[("", "Choose…"), (INTERNATIONAL, "Every country (international)"), *choices],
            error_messages={"invalid_choice": "Choose a country from the list."},
        )
        self.order_fields(self.field_order)


class CountryForm(forms.ModelForm[HelplineCountry]):
    class Meta:
        model = HelplineCountry
        fields = ["code", "name", "emergency"]
        labels = {"code": "Code", "emergency": "Emergency number"}
        help_texts = {
            "code": "The two letters of ISO 3166-1, as browsers name the country: GB, DE, ZA.",
            "emergency": "The number for the police and ambulance, e.g. 112.",
        }
        error_messages = {"code": {"unique": "The directory lists this country already."}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "country")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip().upper()
        if not (len(code) == 2 and code.isascii() and code.isalpha()):
            raise forms.ValidationError("Give the two letters of the country's code, e.g. DE.")
        return code


def check_admin(request: AuthedRequest) -> None:
    if request.user.level < Level.ADMIN:
        raise PermissionDenied("Only admins edit the helplines.")


@login_required
def edit_helplines(request: AuthedRequest) -> HttpResponse:
    check_admin(request)
    return render_helpline_editor(request)


def render_helpline_editor(
    request: AuthedRequest,
    bound: HelplineForm | None = None,
    status: int = 200,
    *,
    new: NewHelplineForm | None = None,
    country_form: CountryForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    listed = list(HelplineCountry.objects.all())
    names = {c.code: c.name for c in listed}
    lines = list(Helpline.objects.all())
    entries = [
        (
            line,
            names.get(line.country, "Every country"),
            bound
            if bound is not None and bound.instance.pk == line.pk
            else HelplineForm(instance=line, prefix=f"h{line.pk}"),
        )
        for line in lines
    ]
    used = {line.country for line in lines}
    context = {
        "entries": entries,
        "countries": [(country, country.code in used) for country in listed],
        "new": new or NewHelplineForm(),
        "country_form": country_form or CountryForm(),
        "refusal": refusal,
    }
    return render(request, "safety/edit_helplines.html", context, status=status)


@login_required
@require_POST
def edit_helpline(request: AuthedRequest, pk: int) -> HttpResponse:
    check_admin(request)
    helpline = get_object_or_404(Helpline, pk=pk)
    form = HelplineForm(request.POST, instance=helpline, prefix=f"h{pk}")
    if not form.is_valid():
        return render_helpline_editor(request, form, status=400)
    actions.update_helpline(helpline=helpline, admin=request.user, changes=form.cleaned_data)
    messages.success(request, f"Saved {helpline.name}.")
    return redirect(f"{reverse('edit_helplines')}#helpline-{pk}")


@login_required
@require_POST
def add_helpline(request: AuthedRequest) -> HttpResponse:
    check_admin(request)
    form = NewHelplineForm(request.POST)
    if not form.is_valid():
        return render_helpline_editor(request, new=form, status=400)
    data = form.cleaned_data
    try:
        line = actions.add_helpline(admin=request.user, country=data["country"], fields=data)
    except ValidationError as refused:
        form.add_error("country", refused.messages[0])
        return render_helpline_editor(request, new=form, status=400)
    messages.success(request, f"Added {line.name}.")
    return redirect(f"{reverse('edit_helplines')}#helpline-{line.pk}")


@login_required
def remove_helpline(request: AuthedRequest, pk: int) -> HttpResponse:
    """GET asks "Remove …?"; the POST from that page removes the entry."""
    check_admin(request)
    line = get_object_or_404(Helpline, pk=pk)
    country = HelplineCountry.objects.filter(code=line.country).first()
    context = {"line": line, "country": country.name if country else "Every country"}
    if request.method == "POST":
        try:
            actions.remove_helpline(admin=request.user, helpline=line)
        except ValidationError as refused:
            context["refusal"] = refused.messages[0]
            return render(request, "safety/remove_helpline.html", context, status=400)
        messages.success(request, f"Removed {line.name}.")
        return redirect("edit_helplines")
    return render(request, "safety/remove_helpline.html", context)


@login_required
@require_POST
def add_country(request: AuthedRequest) -> HttpResponse:
    check_admin(request)
    form = CountryForm(request.POST)
    if not form.is_valid():
        return render_helpline_editor(request, country_form=form, status=400)
    data = form.cleaned_data
    try:
        country = actions.add_country(
            admin=request.user, code=data["code"], name=data["name"], emergency=data["emergency"]
        )
    except ValidationError as refused:
        form.add_error("code", refused.messages[0])
        return render_helpline_editor(request, country_form=form, status=400)
    messages.success(request, f"Added {country.name}: now add its helplines.")
    return redirect(f"{reverse('edit_helplines')}#countries")


@login_required
@require_POST
def remove_country(request: AuthedRequest, code: str) -> HttpResponse:
    check_admin(request)
    country = get_object_or_404(HelplineCountry, code=code.upper())
    try:
        actions.remove_country(admin=request.user, country=country)
    except ValidationError as refused:
        return render_helpline_editor(request, refusal=refused.messages[0], status=400)
    messages.success(request, f"Removed {country.name}.")
    return redirect(f"{reverse('edit_helplines')}#countries")
