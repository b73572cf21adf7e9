"""`mindwell bench` refuses, with a message and before touching anything, what it must not do."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"host": "10.0.0.7"}, "is not a loopback address"),
        ({"host": "example.org"}, "is not a loopback address"),
        ({"questions": 10**9}, "--questions must be between 100 and 1,000,000"),
        ({"questions": 5}, "--questions must be between 100 and 1,000,000"),
        ({"duration": 86_400}, "--duration must be between 1 and 600"),
        ({"connections": 0}, "--connections must be between 1 and 1,000"),
        ({"dir": str(settings.DATA_DIR)}, "is this site's own data directory"),
    ],
)
def test_the_benchmark_refuses(options: dict[str, object], message: str, tmp_path) -> None:
    options = {"dir": str(tmp_path / "bench"), **options}
    with pytest.raises(CommandError, match=message):
        call_command("bench", **options)
    assert not (tmp_path / "bench").exists()  # nothing was generated


def test_the_benchmark_says_how_to_install_wrk_and_nginx(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(CommandError, match="apt-get install wrk nginx-light"):
        call_command("bench", dir=str(tmp_path / "bench"))
    assert not (tmp_path / "bench").exists()
