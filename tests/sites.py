"""Real Mindwell processes for tests: a clean environment, a brand-new migrated site, a port,
and a task worker started and stopped.

Tests that run `mindwell serve` or `mindwell worker` as real subprocesses start
them on a site of their own (a temporary SQLite file, or a PostgreSQL database
created for the test and dropped after), so the server's writes never meet the
test database's transaction.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
MINDWELL = [sys.executable, "-c", "from mindwell.cli import main; main()"]
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
# Variables that would point a child process at another site, cache or mail server.
FOREIGN = {"DATABASE_URL", "REDIS_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "EMAIL_HOST"}


def clean_env(data_dir: Path) -> dict[str, str]:
    """This machine's environment without anything that would point Mindwell elsewhere."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MINDWELL_") and key not in FOREIGN
    }
    env.update(
        MINDWELL_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="mindwell.settings",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def run(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """Run a command to the end; its standard output, or the test fails with its errors."""
    result = subprocess.run(  # noqa: S603 (our own commands)
        [*args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return result.stdout


def mindwell(env: dict[str, str], *args: str) -> str:
    return run(env, *MINDWELL, *args)


def python(env: dict[str, str], code: str) -> str:
    return run(env, sys.executable, "-c", code)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_worker(env: dict[str, str], log: Path, *options: str) -> subprocess.Popen[bytes]:
    """`mindwell worker` with these options, in a process group of its own, writing to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [*MINDWELL, "worker", *options],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM to the process group (SIGKILL after 10 s); the exit status."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait(timeout=10)


def postgres_server() -> str:
    """The PostgreSQL server the suite uses (DATABASE_URL's), else the local default."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def site_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a brand-new, migrated site on one database."""
    env = clean_env(tmp_path / "data")
    if request.param == "sqlite":
        mindwell(env, "migrate", "--no-input")
        yield env
        return
    server = postgres_server()
    admin_url = with_database(server, "postgres")
    name = f"mindwell_site_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {admin_url}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            env["DATABASE_URL"] = with_database(server, name)
            mindwell(env, "migrate", "--no-input")
            yield env
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
