"""Admins keep the helplines right: seeded from the file, edited on a page, audited."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.moderation.models import AuditEntry
from mindwell.safety.helplines import file_directory, helplines_for
from mindwell.safety.models import Helpline, HelplineCountry
from tests.conftest import logged_in


def form_data(line: Helpline, **changes: str) -> dict[str, str]:
    fields = {
        "name": line.name,
        "phone": line.phone,
        "text": line.text,
        "web": line.web,
        "hours": line.hours,
        "verified_on": "",
    }
    fields.update(changes)
    return {f"h{line.pk}-{name}": value for name, value in fields.items()}


def test_the_tables_hold_the_file_s_directory(seeded):
    shipped = file_directory()
    assert HelplineCountry.objects.count() == len(shipped.countries)
    assert Helpline.objects.count() == sum(len(lines) for lines in shipped.helplines.values())
    assert [h.name for h in helplines_for("GB", None)] == [
        h.name for h in shipped.helplines["GB"] + shipped.helplines["INT"]
    ]


def test_an_admin_corrects_a_number_and_the_panel_shows_it_at_once(
    seeded, admin, django_capture_on_commit_callbacks
):
    samaritans = Helpline.objects.get(country="GB", name="Samaritans")
    client = logged_in(admin)
    helplines_for("GB", None)  # the directory is cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/safety/helplines/{samaritans.pk}",
            form_data(samaritans, phone="116 123 (free)", verified_on="2026-11-20"),
        )
    assert response.status_code == 302
    samaritans.refresh_from_db()
    assert (samaritans.phone, samaritans.verified_on) == (
        "116 123 (free)",
        datetime.date(2026, 11, 20),
    )
    assert helplines_for("GB", None)[0].phone == "116 123 (free)"
    page = client.get("/helplines", headers={"accept-language": "en-GB"}).content.decode()
    assert "116 123 (free)" in page
    entry = AuditEntry.objects.get(action="edit helpline")
    assert entry.actor == admin and entry.reason == "Samaritans (GB)"
    assert entry.before == {"phone": "116 123", "verified_on": ""}
    assert entry.after == {"phone": "116 123 (free)", "verified_on": "2026-11-20"}
    editor = client.get("/safety/helplines").content.decode()
    assert 'Last verified on <time datetime="2026-11-20">20 November 2026</time>' in editor


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"web": "http://example.org"}, "Give the address with https://."),
        (
            {"phone": "", "text": "", "web": ""},
            "Give at least a phone number, a text number or a web site.",
        ),
        ({"verified_on": "2999-01-01"}, "That day has not come yet."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_a_bad_edit_is_refused_with_a_message_and_changes_nothing(seeded, admin, changes, message):
    line = Helpline.objects.get(country="US", position=0)
    before = Helpline.objects.values().get(pk=line.pk)
    response = logged_in(admin).post(f"/safety/helplines/{line.pk}", form_data(line, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Helpline.objects.values().get(pk=line.pk) == before
    assert not AuditEntry.objects.exists()


def test_only_admins_edit_the_helplines(seeded, moderator):
    line = Helpline.objects.get(country="US", position=0)
    client = logged_in(moderator)
    assert client.get("/safety/helplines").status_code == 403
    assert (
        client.post(f"/safety/helplines/{line.pk}", form_data(line, phone="1")).status_code == 403
    )
    assert Client().get("/safety/helplines").status_code == 302
    line.refresh_from_db()
    assert line.phone == "988"


def test_the_editor_costs_the_same_queries_however_many_helplines(seeded, admin):
    client = logged_in(admin)

    def count() -> int:
        client.get("/safety/helplines")
        with CaptureQueriesContext(connection) as queries:
            client.get("/safety/helplines")
        return len(queries)

    before = count()
    Helpline.objects.bulk_create(
        Helpline(country="US", position=9 + i, name=f"Line {i}", phone="1") for i in range(5)
    )
    assert count() == before


def test_with_the_tables_empty_the_file_still_answers(db):
    Helpline.objects.all().delete()
    assert helplines_for("GB", None)[0].name == "Samaritans"
