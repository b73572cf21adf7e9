import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from mindwell.settings import env_bool, env_int


def test_env_bool_reads_common_spellings_and_refuses_nonsense(monkeypatch):
    for raw, value in [("1", True), ("yes", True), ("On", True), ("0", False), ("off", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG", not value) is value
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be true or false"):
        env_bool("X_FLAG", False)


def test_env_int_refuses_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "-3")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("X_NUM", 1)


def settings_in(tmp_path, code: str, **env: str) -> str:
    """Load the settings in a fresh interpreter with a given environment."""
    result = subprocess.run(
        [sys.executable, "-c", f"import mindwell.settings as s; {code}"],
        env={"PATH": "/usr/bin:/bin", "MINDWELL_DATA_DIR": str(tmp_path), **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.stdout.strip() or result.stderr.strip().splitlines()[-1]


def test_a_secret_key_is_generated_once_and_kept_in_the_data_dir(tmp_path):
    first = settings_in(tmp_path, "print(s.SECRET_KEY)")
    assert len(first) > 40
    assert settings_in(tmp_path, "print(s.SECRET_KEY)") == first
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert settings_in(tmp_path, "print(s.SECRET_KEY)", SECRET_KEY="given") == "given"


def test_sqlite_is_the_default_in_the_data_dir_with_wal_and_immediate_transactions(tmp_path):
    out = settings_in(tmp_path, "d = s.DATABASES['default']; print(d['NAME'], d['OPTIONS'])")
    assert out.startswith(str(tmp_path / "mindwell.sqlite3"))
    assert "'transaction_mode': 'IMMEDIATE'" in out and "journal_mode=WAL" in out
    assert "'timeout': 20" in out


def test_database_url_selects_postgresql_and_redis_url_the_cache(tmp_path):
    out = settings_in(
        tmp_path,
        "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/mindwell",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert out == "django.db.backends.postgresql mindwell.server.cache.RedisCache"


def test_a_bad_setting_stops_the_start_with_a_clear_message(tmp_path):
    out = settings_in(tmp_path, "pass", DEBUG="perhaps")
    assert "DEBUG must be true or false, not 'perhaps'" in out
