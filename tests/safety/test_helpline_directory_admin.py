"""Admins add and remove helplines and countries: audited, shown at once, never leaving the
panel without its international entry; bad input changes nothing."""

import pytest

from mindwell.moderation.models import AuditEntry
from mindwell.safety.helplines import countries, helplines_for
from mindwell.safety.models import Helpline, HelplineCountry
from tests.conftest import logged_in

NEW = {
    "new-country": "GB",
    "new-name": "CALM",
    "new-phone": "0800 58 58 58",
    "new-text": "",
    "new-web": "https://www.thecalmzone.net",
    "new-hours": "5pm to midnight",
    "new-verified_on": "2026-11-20",
}


def snapshot() -> tuple[list[dict], list[dict]]:
    return list(Helpline.objects.values()), list(HelplineCountry.objects.values())


def panel(client, language: str = "en-GB") -> str:
    return client.get("/helplines", headers={"accept-language": language}).content.decode()


def test_an_admin_adds_a_helpline_and_the_panel_shows_it_last_in_its_country(
    seeded, admin, django_capture_on_commit_callbacks
):
    client = logged_in(admin)
    assert "CALM" not in panel(client)  # the directory is cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/safety/helplines/add", NEW)
    line = Helpline.objects.get(name="CALM")
    assert response.status_code == 302
    assert response["Location"] == f"/safety/helplines#helpline-{line.pk}"
    assert (line.country, line.phone, line.web, str(line.verified_on)) == (
        "GB",
        "0800 58 58 58",
        "https://www.thecalmzone.net",
        "2026-11-20",
    )
    gb = [h.name for h in helplines_for("GB", None) if h.country == "GB"]
    assert gb[-1] == "CALM" and len(gb) > 1
    assert "0800 58 58 58" in panel(client)
    entry = AuditEntry.objects.get(action="add helpline")
    assert entry.actor == admin and entry.reason == "CALM (GB)"
    assert entry.after["phone"] == "0800 58 58 58" and entry.after["country"] == "GB"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"new-country": ""}, "This field is required."),
        ({"new-country": "ZZ"}, "Choose a country from the list."),
        ({"new-name": ""}, "This field is required."),
        ({"new-web": "http://example.org"}, "Give the address with https://."),
        (
            {"new-phone": "", "new-web": ""},
            "Give at least a phone number, a text number or a web site.",
        ),
        ({"new-verified_on": "2999-01-01"}, "That day has not come yet."),
        ({"new-verified_on": "yesterday"}, "Enter a valid date."),
    ],
)
def test_a_bad_new_helpline_is_refused_with_a_message_and_saves_nothing(
    seeded, admin, changes, message
):
    before = snapshot()
    response = logged_in(admin).post("/safety/helplines/add", {**NEW, **changes})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="5pm to midnight"' in page  # kept as typed
    assert snapshot() == before
    assert not AuditEntry.objects.exists()


def test_removing_asks_first_then_removes_and_audits(
    seeded, admin, django_capture_on_commit_callbacks
):
    samaritans = Helpline.objects.get(country="GB", name="Samaritans")
    client = logged_in(admin)
    assert "Samaritans" in panel(client)
    asked = client.get(f"/safety/helplines/{samaritans.pk}/remove")
    assert asked.status_code == 200
    assert "Remove Samaritans?" in asked.content.decode()
    assert Helpline.objects.filter(pk=samaritans.pk).exists()  # asking removes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/safety/helplines/{samaritans.pk}/remove")
    assert response.status_code == 302
    assert not Helpline.objects.filter(pk=samaritans.pk).exists()
    assert "Samaritans" not in [h.name for h in helplines_for("GB", None)]
    entry = AuditEntry.objects.get(action="remove helpline")
    assert entry.reason == "Samaritans (GB)" and entry.before["phone"] == "116 123"


def test_the_last_international_entry_cannot_be_removed(seeded, admin):
    client = logged_in(admin)
    shipped = list(Helpline.objects.filter(country="INT"))
    # With a second international entry, the shipped ones may go.
    client.post("/safety/helplines/add", {**NEW, "new-country": "INT", "new-name": "Befrienders"})
    for line in shipped:
        assert client.post(f"/safety/helplines/{line.pk}/remove").status_code == 302
    [last] = Helpline.objects.filter(country="INT")
    assert last.name == "Befrienders"
    before = snapshot()
    response = client.post(f"/safety/helplines/{last.pk}/remove")
    assert response.status_code == 400
    assert "Befrienders is the last international entry" in response.content.decode()
    assert snapshot() == before
    assert AuditEntry.objects.filter(action="remove helpline").count() == len(shipped)
    assert [h.name for h in helplines_for("ZZ", None)] == ["Befrienders"]


def test_an_admin_adds_a_country_then_its_helpline_then_removes_both(
    seeded, admin, django_capture_on_commit_callbacks
):
    client = logged_in(admin)
    assert "DE" not in {c.code for c in countries()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/safety/countries/add",
            {"country-code": "de ", "country-name": "Germany", "country-emergency": "112"},
        )
    assert response.status_code == 302
    assert "Germany" in [c.name for c in countries()]  # the chooser offers it at once
    assert AuditEntry.objects.get(action="add helpline country").reason == "Germany (DE)"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/safety/helplines/add",
            {
                **NEW,
                "new-country": "DE",
                "new-name": "TelefonSeelsorge",
                "new-phone": "0800 1110111",
            },
        )
    assert [h.name for h in helplines_for("DE", None)][0] == "TelefonSeelsorge"
    # A country with entries stays, with a message.
    refused = client.post("/safety/countries/DE/remove")
    assert refused.status_code == 400
    assert "Germany still has helplines: remove them first" in refused.content.decode()
    assert HelplineCountry.objects.filter(code="DE").exists()
    line = Helpline.objects.get(country="DE")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/safety/helplines/{line.pk}/remove")
        assert client.post("/safety/countries/DE/remove").status_code == 302
    assert not HelplineCountry.objects.filter(code="DE").exists()
    assert "DE" not in {c.code for c in countries()}
    assert helplines_for("DE", None)[0].country == "INT"  # unknown again: the international entry
    assert AuditEntry.objects.get(action="remove helpline country").before == {
        "code": "DE",
        "name": "Germany",
        "emergency": "112",
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country-code": "GB"}, "The directory lists this country already."),
        ({"country-code": "INT"}, "Ensure this value has at most 2 characters"),
        ({"country-code": "D1"}, "Give the two letters of the country&#x27;s code"),
        ({"country-code": "ÄÖ"}, "Give the two letters of the country&#x27;s code"),
        ({"country-name": ""}, "This field is required."),
        ({"country-emergency": ""}, "This field is required."),
    ],
)
def test_a_bad_country_is_refused_with_a_message_and_saves_nothing(seeded, admin, fields, message):
    before = snapshot()
    data = {"country-code": "DE", "country-name": "Germany", "country-emergency": "112"}
    response = logged_in(admin).post("/safety/countries/add", {**data, **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before
    assert not AuditEntry.objects.exists()


def test_only_admins_add_and_remove(seeded, moderator):
    line = Helpline.objects.get(country="US", position=0)
    client = logged_in(moderator)
    before = snapshot()
    assert client.post("/safety/helplines/add", NEW).status_code == 403
    assert client.get(f"/safety/helplines/{line.pk}/remove").status_code == 403
    assert client.post(f"/safety/helplines/{line.pk}/remove").status_code == 403
    data = {"country-code": "DE", "country-name": "Germany", "country-emergency": "112"}
    assert client.post("/safety/countries/add", data).status_code == 403
    assert client.post("/safety/countries/GB/remove").status_code == 403
    assert snapshot() == before


def test_removing_what_is_not_there_is_not_found(seeded, admin):
    client = logged_in(admin)
    assert client.post("/safety/helplines/999999/remove").status_code == 404
    assert client.post("/safety/countries/ZZ/remove").status_code == 404
    assert client.get("/safety/countries/GB/remove").status_code == 405
