"""The country chooser: members keep it in their profile, visitors in a cookie; helplines follow."""

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mindwell.accounts.models import User
from mindwell.qa.models import Post
from mindwell.safety.views import COUNTRY_COOKIE
from tests.conftest import logged_in
from tests.safety.test_posting import RISKY, ask, check_in_panel, hidden_fields


def first_helpline(page: str) -> str:
    return re.search(r'<ul class="helplines">\s*<li>\s*<strong>([^<]+)</strong>', page).group(1)


def listed(page: str) -> str:
    return page.split('<ul class="helplines">', 1)[1].split("</ul>")[0]


def selected(page: str) -> str:
    return re.search(r'<option value="([^"]*)" selected>', page).group(1)


def queries_beyond_any_page(client: Client, url: str, **kwargs) -> int:
    """The queries a page makes beyond what every page costs (a 404 page: session, user...)."""
    client.get("/no-such-page")
    client.get(url, **kwargs)  # warm the cache of the helpline directory
    with CaptureQueriesContext(connection) as baseline:
        client.get("/no-such-page")
    with CaptureQueriesContext(connection) as page:
        client.get(url, **kwargs)
    return len(page) - len(baseline)


def test_the_helplines_page_follows_the_browser_language_until_a_country_is_chosen(
    client: Client, db
):
    assert queries_beyond_any_page(client, "/helplines") == 0
    page = client.get("/helplines", headers={"accept-language": "en-AU"}).content.decode()
    assert first_helpline(page) == "Lifeline"
    assert "Chosen for Australia from your browser's language" in page
    assert selected(page) == "AU"
    assert "kept in a cookie" in page


def test_a_visitor_chooses_a_country_and_a_cookie_keeps_it(client: Client, db):
    response = client.post("/helplines/country", {"country": "NZ", "next": "/helplines"})
    assert response.status_code == 302 and response["Location"] == "/helplines"
    assert client.cookies[COUNTRY_COOKIE].value == "NZ"
    assert client.cookies[COUNTRY_COOKIE]["samesite"] == "Lax"
    page = client.get("/helplines", headers={"accept-language": "en-GB"}).content.decode()
    assert first_helpline(page) == "1737, Need to talk?"
    assert "For New Zealand, as you chose" in page
    assert selected(page) == "NZ"


def test_somewhere_else_shows_the_international_entry_whatever_the_browser_says(client: Client, db):
    client.post("/helplines/country", {"country": "INT"})
    page = client.get("/helplines", headers={"accept-language": "en-GB"}).content.decode()
    assert first_helpline(page) == "Find A Helpline"
    assert "Samaritans" not in listed(page)
    assert "your local emergency number" in page


def test_a_member_s_choice_is_kept_in_the_profile(alice):
    client = logged_in(alice)
    client.post("/helplines/country", {"country": "ie"})
    alice.refresh_from_db()
    assert alice.country == "IE"
    assert COUNTRY_COOKIE not in client.cookies
    assert queries_beyond_any_page(client, "/helplines") == 0
    page = client.get("/helplines", headers={"accept-language": "en-US"}).content.decode()
    assert "Pieta" in listed(page) and "988" not in listed(page)
    assert "kept in your profile" in page
    client.post("/helplines/country", {"country": ""})
    alice.refresh_from_db()
    assert alice.country == ""


def test_an_unknown_country_is_refused_with_a_message_and_changes_nothing(alice):
    client = logged_in(alice)
    response = client.post("/helplines/country", {"country": "FR"})
    assert response.status_code == 400
    assert "Choose a country from the list." in response.content.decode()
    assert User.objects.get(pk=alice.pk).country == ""
    anonymous = Client()
    assert anonymous.post("/helplines/country", {"country": "<x>"}).status_code == 400
    assert COUNTRY_COOKIE not in anonymous.cookies


def test_next_must_stay_on_the_site(client: Client, db):
    response = client.post("/helplines/country", {"country": "GB", "next": "https://evil.test/"})
    assert response["Location"] == "/helplines"


def test_the_check_in_chooser_changes_the_helplines_and_keeps_the_text(client: Client, category):
    page = ask(client, body=RISKY, headers={"accept-language": "en-US"}).content.decode()
    assert "988" in check_in_panel(page)
    chooser = hidden_fields(page, "country-chooser")
    assert chooser["body"] == RISKY
    chooser["safety_country"] = "GB"
    again = client.post("/ask", chooser, headers={"accept-language": "en-US"}).content.decode()
    panel = check_in_panel(again)
    assert "Samaritans" in panel and "988 Suicide" not in panel
    assert "For United Kingdom, as you chose" in panel
    assert hidden_fields(again)["body"] == RISKY  # still ready to post
    assert client.cookies[COUNTRY_COOKIE].value == "GB"
    assert not Post.objects.exists()


def test_a_member_choosing_on_the_check_in_keeps_it_in_the_profile(alice, category):
    client = logged_in(alice)
    page = ask(client, body=RISKY).content.decode()
    client.post("/ask", {**hidden_fields(page, "country-chooser"), "safety_country": "CA"})
    alice.refresh_from_db()
    assert alice.country == "CA"
    assert not Post.objects.exists()


def test_the_risk_banner_follows_the_chosen_country(client: Client, alice, category):
    from mindwell.qa import actions

    risky = actions.ask_question(
        author=alice, title="I don't know what to do", body=RISKY, category=category, tags=[]
    )
    client.post("/helplines/country", {"country": "AU"})
    page = client.get(risky.get_absolute_url(), headers={"accept-language": "en-US"})
    banner = page.content.decode().split('<aside class="care-note"', 1)[1].split("</aside>")[0]
    assert "Lifeline" in banner and "988" not in banner
