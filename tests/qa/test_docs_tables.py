"""docs/points-and-permissions.md must say what the code does."""

import re
from pathlib import Path

from django.conf import settings

from mindwell.accounts.models import Level

DOC = (Path(__file__).parents[2] / "docs" / "points-and-permissions.md").read_text()


def table_rows(heading: str) -> list[list[str]]:
    section = DOC.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def test_the_points_table_matches_the_defaults():
    documented = {
        re.sub(r"`", "", name).lower(): int(default) for name, default, _ in table_rows("Points")
    }
    assert documented == settings.MINDWELL_POINTS


def test_the_permissions_table_matches_the_defaults():
    documented = {
        name.strip("`"): {
            "level": Level[level.split()[0].upper()].value,
            "points": None if points == "–" else int(points),
        }
        for name, level, points in table_rows("Permissions")
    }
    assert documented == settings.MINDWELL_PERMISSIONS
