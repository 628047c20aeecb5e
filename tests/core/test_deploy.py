"""The production shape: compose file parses, `check --deploy` is clean under production settings."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_parses_and_can_scale_web_and_worker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "proxy", "worker", "beat"}
    # --scale web=N needs web without a fixed host port (the proxy publishes one) and without
    # its own migrate (replicas would race); the proxy's configuration is in the repository.
    assert "ports" not in services["web"]
    assert "migrate" not in " ".join(services["web"]["command"])
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["beat"]["deploy"]["replicas"] == 1
    for conf in ("deploy/nginx.conf", "deploy/nginx-http.conf"):
        assert "server web:8000" in (ROOT / conf).read_text(encoding="utf-8")
    for name in ("migrate", "web", "worker", "beat"):
        service = compose["services"][name]
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "projects_mgmt.settings.production"
        assert service["environment"]["REDIS_URL"].startswith("redis://")


def test_every_environment_variable_is_listed_in_env_example():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    used = set()
    for path in (ROOT / "projects_mgmt" / "settings").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for chunk in (
            text.split("env(")[1:]
            + text.split("env.bool(")[1:]
            + text.split("env.list(")[1:]
            + text.split("env.int(")[1:]
            + text.split("env.db(")[1:]
        ):
            if chunk.startswith('"'):
                used.add(chunk.split('"')[1])
    assert used, "no env() calls found"
    missing = {name for name in used if f"{name}=" not in example}
    assert not missing


def test_the_dockerfile_build_step_satisfies_production_settings():
    # collectstatic runs under production settings at build time, with throwaway values that must
    # pass production's refusal of missing and development secrets (check --deploy with the
    # documented environment: tests/core/test_deploy_settings.py)
    line = next(chunk for chunk in (ROOT / "Dockerfile").read_text(encoding="utf-8").split("RUN ") if "manage.py collectstatic" in chunk)
    assignments = dict(word.split("=", 1) for word in line.replace("\\\n", " ").split() if "=" in word and word.split("=")[0].isupper())
    assignments = {k: v.replace("$(date +%s)", "0") for k, v in assignments.items()}
    assert {"DJANGO_SECRET_KEY", "REMINDERS_WEBHOOK_SECRET", "REMINDERS_SITE_URL"} <= set(assignments)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REMINDERS_"))}
    env |= {"DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.production", **assignments}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_needs_the_env_file_and_a_database_password_and_serves_tls_or_plain_http():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["env_file"] == ".env"  # written by bin/production-env
        # no built-in database password: compose stops, naming the variable, when .env lacks it
        assert "${POSTGRES_PASSWORD:?" in services[name]["environment"]["DATABASE_URL"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    proxy = services["proxy"]
    assert proxy["ports"] == ["${HTTP_PORT:-80}:80", "${HTTPS_PORT:-443}:443"]
    assert proxy["volumes"] == [
        "./deploy/${NGINX_CONF:-nginx.conf}:/etc/nginx/conf.d/default.conf:ro",
        "./deploy/tls:/etc/nginx/tls:ro",
    ]
    # the certificate never goes into the repository or the application image
    assert "/deploy/tls/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "deploy/tls" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def _server_blocks(conf: str) -> list[str]:
    return conf.split("server {")[1:]


def test_the_tls_proxy_redirects_plain_http_and_forwards_the_browsers_host_and_scheme():
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    plain, tls = _server_blocks(conf)
    assert "listen 80;" in plain
    assert "return 301 https://$host$request_uri;" in plain
    assert "proxy_pass" not in plain  # nothing is served over http://
    assert "listen 443 ssl;" in tls
    assert "ssl_certificate /etc/nginx/tls/server.crt;" in tls
    assert "ssl_certificate_key /etc/nginx/tls/server.key;" in tls
    # Host with the port (Django checks a POST's Origin against it), and the proxy's own scheme and
    # client address, overwriting whatever the client sent
    for line in (
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
    ):
        assert line in tls


def test_the_plain_http_proxy_serves_port_80_without_tls():
    (server,) = _server_blocks((ROOT / "deploy" / "nginx-http.conf").read_text(encoding="utf-8"))
    assert "listen 80;" in server
    assert "ssl" not in server
    for line in (
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
    ):
        assert line in server


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.mark.parametrize("conf", ["nginx.conf", "nginx-http.conf"])
def test_nginx_accepts_both_proxy_configurations(conf, tmp_path):
    """`nginx -t` on the file as shipped, with only what the README says to change without Docker
    (the upstream address) and the certificate paths pointed at a throwaway self-signed pair."""
    if not Path(NGINX).exists():
        need_service("nginx（/usr/sbin/nginx）")
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test"]  # noqa: S607
        + ["-keyout", str(tmp_path / "server.key"), "-out", str(tmp_path / "server.crt")],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy" / conf).read_text(encoding="utf-8")
    site = site.replace("server web:8000;", "server 127.0.0.1:8000;").replace("/etc/nginx/tls/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n    access_log off;\n    include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(  # noqa: S603 - the system's nginx on our own files
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


COMPOSE = shutil.which("docker-compose") or "/usr/bin/docker-compose"


def test_docker_compose_config_parses_with_the_env_file_bin_production_env_writes_and_not_without(tmp_path):
    """`docker-compose config` (Debian's docker-compose; no Docker engine needed to render the file):
    the stack as the README's production steps leave it, and the refusal when `.env` is missing."""
    if not Path(COMPOSE).exists():
        need_service("docker-compose（Debian：apt-get install docker-compose）")
    project = tmp_path / "app"
    project.mkdir()
    for name in ("docker-compose.yml", ".env.example"):
        shutil.copy(ROOT / name, project / name)

    def config() -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - the system's docker-compose on our own file
            [COMPOSE, "--project-directory", str(project), "-f", str(project / "docker-compose.yml"), "config"],
            capture_output=True,
            text=True,
            check=False,
            env={k: v for k, v in os.environ.items() if k not in ("POSTGRES_PASSWORD", "DJANGO_SECRET_KEY")},
        )

    # without .env: refused, naming the database password and how to write it
    missing = config()
    assert missing.returncode != 0
    assert "POSTGRES_PASSWORD" in missing.stderr
    # with the .env of the README's first step: every service rendered
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bin" / "production-env"), "--url", "https://xmb.example.gov.cn", "--output", str(project / ".env")],
        check=True,
        capture_output=True,
    )
    rendered = config()
    assert rendered.returncode == 0, rendered.stderr
    services = yaml.safe_load(rendered.stdout)["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "proxy"} <= set(services)
