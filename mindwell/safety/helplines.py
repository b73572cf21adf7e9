"""The helpline directory, and whom to show to whom.

Admins keep the directory in the database (`models.Helpline`, seeded from
`data/helplines.toml`); pages read it through the cache, and the file answers
while the tables are empty.

The country comes from the member's profile, else the browser's language
(`en-GB` means the United Kingdom), else nobody knows: then the panel shows the
international entry and a chooser (`countries()`). No geolocation service is
called. A country the directory does not list gets the international entry.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.core.cache import cache as cache_store

from mindwell.safety.lexicon import DATA_DIR

HELPLINES_FILE = DATA_DIR / "helplines.toml"
INTERNATIONAL = "INT"
# Codes people use that are not ISO 3166-1 alpha-2.
ALIASES = {"UK": "GB"}
_REGION = re.compile(r"[a-z]{2}")
_MAX_LANGUAGES = 32


@dataclass(frozen=True, slots=True)
class Helpline:
    country: str
    name: str
    phone: str = ""
    text: str = ""
    web: str = ""
    hours: str = ""
    topics: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name: str
    emergency: str


@dataclass(frozen=True, slots=True)
class Directory:
    countries: dict[str, Country]
    helplines: dict[str, list[Helpline]]  # country code -> its helplines, in order
    checked: str


def load(path: Path) -> Directory:
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    countries = {c["code"]: Country(c["code"], c["name"], c["emergency"]) for c in data["country"]}
    helplines: dict[str, list[Helpline]] = {}
    for entry in data["helpline"]:
        code = entry["country"]
        if code != INTERNATIONAL and code not in countries:
            raise ValueError(f"{path.name}: {entry['name']!r} is for unknown country {code!r}")
        line = Helpline(**{**entry, "topics": tuple(entry.get("topics", ()))})
        helplines.setdefault(code, []).append(line)
    if INTERNATIONAL not in helplines:
        raise ValueError(f"{path.name}: the international entry is missing")
    return Directory(countries, helplines, str(data.get("checked", "")))


DIRECTORY_KEY = "safety:helplines"
DIRECTORY_TTL = 300  # seconds: how long another server may show an entry an admin changed


@cache
def file_directory() -> Directory:
    return load(HELPLINES_FILE)


def directory() -> Directory:
    """The directory admins keep in the database (cached), or the file if the table is empty."""
    found: Directory | None = cache_store.get(DIRECTORY_KEY)
    if found is None:
        found = database_directory() or file_directory()
        cache_store.set(DIRECTORY_KEY, found, DIRECTORY_TTL)
    return found


def forget_directory() -> None:
    """After an admin's edit: the next page reads the database again."""
    cache_store.delete(DIRECTORY_KEY)


def database_directory() -> Directory | None:
    from mindwell.safety.models import Helpline as HelplineRow
    from mindwell.safety.models import HelplineCountry

    rows = list(HelplineRow.objects.all())
    if not any(row.country == INTERNATIONAL for row in rows):
        return None  # never seeded (or a test database flushed): the file is the truth
    countries = {
        c.code: Country(c.code, c.name, c.emergency) for c in HelplineCountry.objects.all()
    }
    helplines: dict[str, list[Helpline]] = {}
    for row in rows:
        if row.country == INTERNATIONAL or row.country in countries:
            helplines.setdefault(row.country, []).append(
                Helpline(
                    country=row.country,
                    name=row.name,
                    phone=row.phone,
                    text=row.text,
                    web=row.web,
                    hours=row.hours,
                    topics=tuple(row.topics.split()),
                )
            )
    checked = max((str(row.verified_on) for row in rows if row.verified_on), default="")
    return Directory(countries, helplines, checked or file_directory().checked)


def seed(country_model: Any, helpline_model: Any) -> None:
    """Fill the tables from `data/helplines.toml` (the data migration passes its models)."""
    found = file_directory()
    for country in found.countries.values():
        country_model.objects.create(
            code=country.code, name=country.name, emergency=country.emergency
        )
    for code, lines in found.helplines.items():
        for position, line in enumerate(lines):
            helpline_model.objects.create(
                country=code,
                position=position,
                name=line.name,
                phone=line.phone,
                text=line.text,
                web=line.web,
                hours=line.hours,
                topics=" ".join(line.topics),
            )


def _known(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().upper()
    code = ALIASES.get(code, code)
    return code if code in directory().countries else None


def country_from_accept_language(header: str | None) -> str | None:
    """The region of the most preferred language tag that has one: `en-GB` -> "GB".

    A bare `en` names no country, and `fr-FR` names France even when the directory
    has nothing for it (the caller then shows the international entry).
    """
    if not header:
        return None
    preferences: list[tuple[float, int, str]] = []
    for index, item in enumerate(header[:1000].split(",")[:_MAX_LANGUAGES]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        params = params.strip().lower()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            preferences.append((-quality, index, tag.strip().lower()))
    for _, _, tag in sorted(preferences):
        subtags = tag.replace("_", "-").split("-")
        for subtag in subtags[1:]:
            if _REGION.fullmatch(subtag):
                return subtag.upper()
    return None


def resolve_country(country_code: str | None, accept_language: str | None) -> str | None:
    """The listed country to show helplines for, or None (show the international entry).

    A country set in the profile wins; if the directory does not list it, the
    answer is None rather than a guess from the browser's language.
    """
    if country_code and country_code.strip():
        return _known(country_code)
    return _known(country_from_accept_language(accept_language))


def helplines_for(country_code: str | None, accept_language: str | None) -> list[Helpline]:
    """The helplines to show: the country's own, then the international entry."""
    found = directory()
    international = found.helplines[INTERNATIONAL]
    country = resolve_country(country_code, accept_language)
    if country is None:
        return list(international)
    return [*found.helplines.get(country, []), *international]


def countries() -> list[Country]:
    """The countries the directory lists, by name: the choices of the panel's chooser."""
    return sorted(directory().countries.values(), key=lambda c: c.name)


def emergency_number(country_code: str | None) -> str | None:
    country = _known(country_code)
    return directory().countries[country].emergency if country else None
