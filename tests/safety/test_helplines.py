"""The helpline directory: who is shown which helplines, and what falls back where."""

import pytest

from mindwell.safety.helplines import (
    INTERNATIONAL,
    countries,
    country_from_accept_language,
    directory,
    emergency_number,
    helplines_for,
    resolve_country,
)

# The directory lives in the database (seeded from data/helplines.toml).
pytestmark = pytest.mark.django_db


def names(country: str | None, accept_language: str | None = None) -> list[str]:
    return [h.name for h in helplines_for(country, accept_language)]


def phones(country: str | None, accept_language: str | None = None) -> list[str]:
    return [h.phone for h in helplines_for(country, accept_language)]


@pytest.mark.parametrize(
    ("country", "service", "number"),
    [
        ("US", "988 Suicide & Crisis Lifeline", "988"),
        ("CA", "9-8-8 Suicide Crisis Helpline", "988"),
        ("GB", "Samaritans", "116 123"),
        ("IE", "Samaritans", "116 123"),
        ("AU", "Lifeline", "13 11 14"),
        ("NZ", "1737, Need to talk?", "1737"),
        ("IN", "Tele-MANAS", "14416 or 1-800-891-4416"),
    ],
)
def test_each_required_country_shows_its_crisis_line_first(country, service, number):
    first = helplines_for(country, None)[0]
    assert (first.name, first.phone) == (service, number)


def test_every_country_ends_with_the_international_find_a_helpline_entry():
    for country in countries():
        last = helplines_for(country.code, None)[-1]
        assert last.country == INTERNATIONAL
        assert last.web == "https://findahelpline.com"


def test_an_unknown_country_code_falls_back_to_the_international_entry_alone():
    for code in ["ZZ", "FR", "xx", "123", "not a country", "U"]:
        assert names(code) == ["Find A Helpline"], code


def test_the_profile_country_wins_over_the_browser_language():
    assert names("NZ", "en-GB")[0] == "1737, Need to talk?"
    assert names("FR", "en-GB") == ["Find A Helpline"]  # the member lives where we list nothing


def test_codes_are_read_in_any_case_and_uk_means_gb():
    assert names("uk") == names("GB") == names(" gb ")
    assert resolve_country("Uk", None) == "GB"


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("en-GB", "GB"),
        ("en-IE", "IE"),
        ("en-GB,en;q=0.9", "GB"),
        ("en-us", "US"),
        ("en_AU", "AU"),
        ("en;q=0.5, en-NZ;q=0.9", "NZ"),
        ("hi-IN,hi;q=0.9,en;q=0.8", "IN"),
        ("zh-Hant-TW", "TW"),
        ("en", None),
        ("*", None),
        ("es-419", None),
        ("", None),
        (None, None),
        ("%%%;q=abc,,,;;", None),
    ],
)
def test_the_browser_language_gives_the_country_of_its_preferred_tag(header, country):
    assert country_from_accept_language(header) == country


def test_without_a_profile_country_the_browser_language_decides():
    assert phones(None, "en-GB,en;q=0.9")[0] == "116 123"
    assert phones("", "en-IE")[0] == "116 123"
    assert names(None, "en-AU")[0] == "Lifeline"


def test_a_bare_language_gives_no_country_so_the_panel_shows_the_chooser():
    assert resolve_country(None, "en") is None
    assert names(None, "en") == ["Find A Helpline"]
    assert names(None, None) == ["Find A Helpline"]


def test_a_region_the_directory_does_not_list_falls_back_to_the_international_entry():
    assert names(None, "fr-FR,en-GB;q=0.5") == ["Find A Helpline"]


def test_a_very_long_or_hostile_header_still_answers():
    assert helplines_for(None, "en-GB;q=x," * 10_000)
    assert names(None, "en-ZZ," * 500 + "en-GB") == ["Find A Helpline"]


def test_the_chooser_lists_every_country_by_name_with_its_emergency_number():
    listed = countries()
    assert [c.code for c in listed] == ["AU", "CA", "IN", "IE", "NZ", "GB", "US"]
    assert emergency_number("AU") == "000"
    assert emergency_number("uk") == "999"
    assert emergency_number("ZZ") is None


def test_every_entry_can_be_reached_and_links_only_over_https():
    for lines in directory().helplines.values():
        for line in lines:
            assert line.phone or line.text or line.web, line.name
            assert not line.web or line.web.startswith("https://"), line.name
            assert line.hours, line.name
