"""`mindwell bench`: the site as deployed, measured with wrk on loopback beside nginx.

    mindwell bench                      # 10,000 questions, 10 s per page
    mindwell bench --questions 100000   # the large run
    mindwell bench --reuse              # measure the site generated last time again

Everything happens in the benchmark's own data directory (`var/bench` in the
checkout unless `--dir`), never the one the site uses: a synthetic site is
generated there (`bench-site generate`), `mindwell serve` starts on it with its
default server and worker count, and wrk drives it from a second process. nginx
serving a saved copy of the question page as a file is the ceiling; the same
page through nginx's cache (docs/nginx.conf) is measured beside it. The table
is printed and written as JSON (`bench.json` in that directory).
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mindwell.server.management.commands.bench_site import SITE_FILE
from mindwell.server.management.commands.serve import DEFAULT_SERVER, SERVERS, default_workers

MINDWELL = [sys.executable, "-c", "from mindwell.cli import main; main()"]
QUESTIONS = (100, 1_000_000)
DURATION = (1, 600)
CONNECTIONS = (1, 1_000)
TOKEN = "b" * 32  # any 32 letters: the CSRF cookie and header of the vote requests agree
VISITORS = [f"csrftoken={n:032d}" for n in range(100)]  # visitors' own CSRF cookies, for nginx

LUA = """
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local method, body = "%(method)s", %(body)s
local n = 0
request = function()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[math.random(#cookies)] end
  local path = paths[(n %% #paths) + 1]
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["X-CSRFToken"] = "%(token)s"
    headers["Accept"] = "text/html"
    return wrk.format("POST", path, headers, body[math.random(#body)])
  end
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nRESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, ' ..
    '"p95_us": %%d, "p99_us": %%d, "errors": %%d, "bad_status": %%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), e.connect + e.read + e.write + e.timeout,
    e.status))
end
"""


def lua_list(items: list[str]) -> str:
    return ", ".join(json.dumps(item) for item in items)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_options(options: dict[str, Any]) -> None:
    """Refuse what would measure something else, or run for hours, before anything starts."""
    if not is_loopback(options["host"]):
        raise CommandError(
            f"--host {options['host']} is not a loopback address: the benchmark floods its "
            "target, so it only runs against this machine (127.0.0.1, ::1 or localhost)."
        )
    for name, (low, high) in {
        "questions": QUESTIONS, "duration": DURATION, "connections": CONNECTIONS
    }.items():  # fmt: skip
        if not low <= options[name] <= high:
            raise CommandError(
                f"--{name} must be between {low:,} and {high:,}, not {options[name]:,}"
            )
    if not 1 <= options["threads"] <= options["connections"]:
        raise CommandError("--threads must be at least 1 and at most --connections")
    if not 1 <= options["workers"] <= 64:
        raise CommandError("--workers must be between 1 and 64")
    if Path(options["dir"]).resolve() == settings.DATA_DIR:
        raise CommandError(
            f"{settings.DATA_DIR} is this site's own data directory: the benchmark generates a "
            "site of its own and needs a directory of its own (--dir)."
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Command(BaseCommand):
    help = "Measure the site as deployed with wrk on loopback, against nginx serving a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--questions", type=int, default=10_000, help="size of the site")
        parser.add_argument("--duration", type=int, default=10, help="seconds per page")
        parser.add_argument("--connections", type=int, default=16, help="wrk -c")
        parser.add_argument("--threads", type=int, default=2, help="wrk -t")
        parser.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
        parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument(
            "--dir",
            default=str(settings.BASE_DIR / "var" / "bench"),
            help="the benchmark's own data directory (default: var/bench in the checkout)",
        )
        parser.add_argument("--reuse", action="store_true", help="measure the last site again")
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("REDIS_URL", ""),
            help="Redis for the site's cache (default: REDIS_URL; keys under mindwell-bench)",
        )
        parser.add_argument("--only", nargs="*", default=[], help="measure only these pages")

    def handle(self, *args: Any, **options: Any) -> None:
        check_options(options)
        wrk, nginx = shutil.which("wrk"), shutil.which("nginx") or "/usr/sbin/nginx"
        if wrk is None:
            raise CommandError("wrk is not installed: apt-get install wrk nginx-light")
        if not Path(nginx).exists():
            raise CommandError("nginx is not installed: apt-get install wrk nginx-light")
        self.options = options
        self.wrk, self.nginx = wrk, nginx
        self.dir = Path(options["dir"]).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.env = self.bench_env()
        self.prepare_site()
        self.site = json.loads((self.dir / SITE_FILE).read_text())
        # The size measured is the site's own (with --reuse, not the --questions default).
        options["questions"] = int(
            self.python(
                "from mindwell.qa.models import Post; "
                "print(Post.objects.filter(kind=Post.Kind.QUESTION).count())"
            )
        )
        self.queries = json.loads(self.mindwell("bench-site", "queries").strip().splitlines()[-1])
        results = self.measure()
        self.report(results)

    # -- the site ------------------------------------------------------------------------

    def bench_env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("MINDWELL_") and key not in {"DATABASE_URL", "REDIS_URL"}
        }
        env.update(
            MINDWELL_DATA_DIR=str(self.dir),
            DJANGO_SETTINGS_MODULE="mindwell.settings",
            ALLOWED_HOSTS="127.0.0.1,localhost,[::1],testserver",
            LOG_LEVEL="WARNING",
            MINDWELL_SERVE_WORKER="false",
            # wrk sends every request from one loopback address and a pool of 200
            # members: the hourly limits would turn the vote run into a run of 429s.
            MINDWELL_LIMIT_IP_VOTES="100000000",
            MINDWELL_LIMIT_USER_VOTES="100000000",
        )
        if self.options["redis_url"]:
            env.update(REDIS_URL=self.options["redis_url"], MINDWELL_CACHE_PREFIX="mindwell-bench")
        return env

    def mindwell(self, *args: str, timeout: float = 3600) -> str:
        result = subprocess.run(  # noqa: S603 (our own commands)
            [*MINDWELL, *args],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise CommandError(f"mindwell {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def prepare_site(self) -> None:
        site_file = self.dir / SITE_FILE
        if self.options["reuse"]:
            if not site_file.exists():
                raise CommandError(f"--reuse: there is no benchmark site in {self.dir} yet.")
            self.stdout.write(f"Reusing the site in {self.dir}.")
            return
        for suffix in ("", "-wal", "-shm", "-writer.lock"):
            (self.dir / f"mindwell.sqlite3{suffix}").unlink(missing_ok=True)
        site_file.unlink(missing_ok=True)
        if self.options["redis_url"]:
            self.python("from django.core.cache import cache; cache.clear()")
        questions = self.options["questions"]
        self.stdout.write(f"Generating {questions:,} questions in {self.dir} …")
        started = time.monotonic()
        self.mindwell("migrate", "--no-input")
        self.mindwell("bench-site", "generate", "--questions", str(questions))
        self.stdout.write(f"Generated in {time.monotonic() - started:.0f} s.")

    def python(self, code: str) -> str:
        result = subprocess.run(  # noqa: S603 (our own commands)
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env=self.env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise CommandError(result.stderr[-3000:])
        return result.stdout

    # -- measuring -----------------------------------------------------------------------

    def measure(self) -> list[dict[str, Any]]:
        host, port = self.options["host"], free_port()
        base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        urls = self.site["urls"][:100]
        sessions = [f"sessionid={key}; csrftoken={TOKEN}" for key in self.site["sessions"]]
        searches = [f"/search?q={q.replace(' ', '+')}" for q in self.site["searches"]]
        votes = [f"/posts/{pk}/vote" for pk in self.site["answers"]]
        pages: list[tuple[str, str, dict[str, Any]]] = [
            ("question (visitor)", base, {"paths": urls}),  # cached once warmed up
            ("question (member)", base, {"paths": urls, "cookies": sessions}),
            ("home", base, {"paths": ["/"]}),
            ("question list", base, {"paths": ["/questions/"]}),
            ("search", base, {"paths": searches}),
            ("vote", base, {"paths": votes, "cookies": sessions, "post": True}),
        ]
        wanted = set(self.options["only"])
        results = []
        server = self.start_server(host, port)
        try:
            self.wait_for(f"{base}{urls[0]}")
            (self.dir / "www").mkdir(exist_ok=True)
            with urllib.request.urlopen(f"{base}{urls[0]}") as response:  # noqa: S310 (loopback)
                (self.dir / "www" / "question.html").write_bytes(response.read())
            for name, target, spec in pages:
                if wanted and name not in wanted:
                    continue
                results.append(self.run_wrk(name, target, spec))
            memory = worker_memory(server.pid)
            nginx_file, nginx_cache = free_port(), free_port()
            proxy = self.start_nginx(nginx_file, nginx_cache, port)
            try:
                self.wait_for(f"http://127.0.0.1:{nginx_file}/question.html")
                for name, target, spec in [
                    ("nginx file (ceiling)", f"http://127.0.0.1:{nginx_file}",
                     {"paths": ["/question.html"]}),
                    ("question via nginx cache", f"http://127.0.0.1:{nginx_cache}",
                     {"paths": urls, "cookies": VISITORS}),
                ]:  # fmt: skip
                    if not wanted or name in wanted:
                        results.append(self.run_wrk(name, target, spec))
            finally:
                stop(proxy)
                shutil.rmtree(self.nginx_cache, ignore_errors=True)
        finally:
            stop(server)
        ceiling = next((r for r in results if r["page"].startswith("nginx file")), None)
        for result in results:
            result["sql_queries"] = self.queries_of(result["page"])
            if ceiling and ceiling["requests_per_s"]:
                result["of_ceiling"] = round(
                    result["requests_per_s"] / ceiling["requests_per_s"], 3
                )
        for result in results:
            if result["page"] == "vote":
                result["counts_exact"] = self.counts_exact()
        self.memory = memory
        return results

    def queries_of(self, page: str) -> str | None:
        """SQL queries of the page as measured: "cached/built" for pages visitors get cached,
        "up/withdraw" for a vote."""
        if page in self.queries:
            return str(self.queries[page])
        if f"{page} (up)" in self.queries:
            return f"{self.queries[page + ' (up)']}/{self.queries[page + ' (withdraw)']}"
        if f"{page} (cached)" in self.queries:
            return f"{self.queries[page + ' (cached)']}/{self.queries[page + ' (built)']}"
        return None

    def start_server(self, host: str, port: int) -> subprocess.Popen[bytes]:
        log = (self.dir / "server.log").open("wb")
        args = ["serve", "--host", host, "--port", str(port)]
        args += ["--workers", str(self.options["workers"]), "--server", self.options["server"]]
        self.stdout.write(
            f"Serving with {self.options['server']}, {self.options['workers']} workers "
            f"(log: {self.dir / 'server.log'})."
        )
        return subprocess.Popen(  # noqa: S603 (our own commands)
            [*MINDWELL, *args],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_nginx(
        self, file_port: int, cache_port: int, app_port: int
    ) -> subprocess.Popen[bytes]:
        conf = (settings.BASE_DIR / "docs" / "nginx.conf").read_text()
        conf = conf.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
        conf = conf.replace("listen 80;", f"listen 127.0.0.1:{cache_port};")
        # In memory, as docs/nginx.conf advises, where there is a tmpfs.
        tmpfs = Path("/dev/shm")  # noqa: S108 (a directory of our own in it, removed after)
        self.nginx_cache = (tmpfs if tmpfs.is_dir() else self.dir) / f"mindwell-bench-{os.getpid()}"
        shutil.rmtree(self.nginx_cache, ignore_errors=True)
        conf = conf.replace("/var/cache/nginx/mindwell", str(self.nginx_cache))
        (self.dir / "nginx-site.conf").write_text(conf)
        user = "user root root;\n" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(
            f"{user}worker_processes auto;\ndaemon off;\npid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/nginx-error.log warn;\n"
            "events { worker_connections 1024; }\n"
            # sendfile and tcp_nopush as Debian's nginx.conf has them: the file served at
            # its fastest is the ceiling (docs/nginx.conf turns sendfile off for its pages).
            "http {\n  access_log off;\n  default_type text/html;\n"
            "  sendfile on;\n  tcp_nopush on;\n"
            f"  client_body_temp_path {self.dir}/nginx-tmp;\n"
            f"  proxy_temp_path {self.dir}/nginx-tmp;\n"
            f"  include {self.dir}/nginx-site.conf;\n"
            f"  server {{ listen 127.0.0.1:{file_port}; root {self.dir}/www; }}\n}}\n"
        )
        (self.dir / "nginx-tmp").mkdir(exist_ok=True)
        return subprocess.Popen(  # noqa: S603 (our own commands)
            [self.nginx, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "nginx-error.log").open("ab"),
            start_new_session=True,
        )

    def wait_for(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"{url} did not answer within {timeout:.0f} s")

    def warm_up(self, target: str, spec: dict[str, Any]) -> None:
        """Fetch each page once as the run will, so the run measures the site warmed up."""
        cookies = spec.get("cookies", [])
        for n, path in enumerate(spec["paths"][:100]):
            headers = {"Cookie": cookies[n % len(cookies)]} if cookies else {}
            request = urllib.request.Request(f"{target}{path}", headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    response.read()
            except OSError:
                pass  # the run will count it

    def run_wrk(self, name: str, target: str, spec: dict[str, Any]) -> dict[str, Any]:
        post = spec.get("post", False)
        if not post:
            self.warm_up(target, spec)
        script = LUA % {
            "paths": lua_list(spec["paths"]),
            "cookies": lua_list(spec.get("cookies", [])),
            "method": "POST" if post else "GET",
            "body": "{" + lua_list(["vote=up", "vote=withdraw"]) + "}" if post else "nil",
            "token": TOKEN,
        }
        path = self.dir / f"wrk-{name.split()[0]}.lua"
        path.write_text(script)
        self.stdout.write(f"  {name} …", ending="")
        self.stdout.flush()
        opts = self.options
        result = subprocess.run(  # noqa: S603 (our own commands)
            [self.wrk, f"-t{opts['threads']}", f"-c{opts['connections']}",
             f"-d{opts['duration']}s", "--timeout", "10s", "-s", str(path), target],
            capture_output=True, text=True, timeout=opts["duration"] + 60,
        )  # fmt: skip
        line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise CommandError(f"wrk gave no result for {name}:\n{result.stdout}{result.stderr}")
        raw = json.loads(line.removeprefix("RESULT "))
        seconds = raw["duration_us"] / 1e6
        measured = {
            "page": name,
            "requests_per_s": round(raw["requests"] / seconds, 1),
            "p50_ms": round(raw["p50_us"] / 1000, 2),
            "p95_ms": round(raw["p95_us"] / 1000, 2),
            "p99_ms": round(raw["p99_us"] / 1000, 2),
            "bytes_per_response": round(raw["bytes"] / max(1, raw["requests"])),
            "errors": raw["errors"],
            "non_2xx_3xx": raw["bad_status"],
        }
        self.stdout.write(f" {measured['requests_per_s']:,.0f} requests/s")
        return measured

    def counts_exact(self) -> bool:
        try:
            self.mindwell("bench-site", "check")
        except CommandError:
            return False
        return True

    # -- the report ------------------------------------------------------------------------

    def report(self, results: list[dict[str, Any]]) -> None:
        opts = self.options
        head = (
            f"{'page':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>7} "
            f"{'SQL':>5} {'of nginx':>9}"
        )
        lines = [
            f"Mindwell benchmark: {opts['questions']:,} questions, {opts['server']} with "
            f"{opts['workers']} workers, wrk -t{opts['threads']} -c{opts['connections']} "
            f"-d{opts['duration']}s, {os.cpu_count()} CPUs, cache: "
            f"{'Redis' if opts['redis_url'] else 'local (page cache off)'}",
            head,
            "-" * len(head),
        ]
        for r in results:
            sql = "" if r.get("sql_queries") is None else str(r["sql_queries"])
            ratio = f"{r['of_ceiling']:.1%}" if "of_ceiling" in r else ""
            lines.append(
                f"{r['page']:<26} {r['requests_per_s']:>9,.0f} {r['p50_ms']:>8.2f} "
                f"{r['p99_ms']:>8.2f} {r['bytes_per_response']:>7,} {sql:>5} {ratio:>9}"
            )
            if r["errors"] or r["non_2xx_3xx"]:
                lines.append(f"{'':<26} {r['errors']} errors, {r['non_2xx_3xx']} non-2xx/3xx")
            if "counts_exact" in r:
                exact = (
                    "every count exact" if r["counts_exact"] else "COUNTS WRONG (bench-site check)"
                )
                lines.append(f"{'':<26} {exact}")
        if self.memory:
            mb = ", ".join(f"{m:.0f}" for m in self.memory)
            lines.append(f"Resident memory per worker: {mb} MB")
        self.stdout.write("\n".join(lines))
        out = {
            "questions": opts["questions"],
            "server": opts["server"],
            "workers": opts["workers"],
            "wrk": {"threads": opts["threads"], "connections": opts["connections"],
                    "duration_s": opts["duration"]},
            "cpus": os.cpu_count(),
            "cache": "redis" if opts["redis_url"] else "local",
            "results": results,
            "queries": self.queries,
            "worker_rss_mb": self.memory,
        }  # fmt: skip
        (self.dir / "bench.json").write_text(json.dumps(out, indent=2))
        self.stdout.write(f"Written to {self.dir / 'bench.json'}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def worker_memory(root: int) -> list[float]:
    """Resident memory (MB) of the server's worker processes: the leaves of its process tree."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    leaves, todo = [], [root]
    while todo:
        pid = todo.pop()
        if children.get(pid):
            todo += children[pid]
        elif pid != root:
            leaves.append(pid)
    sizes = []
    for pid in leaves:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sorted(sizes)
