"""Production settings: the documented environment passes `check --deploy` without a warning, and no
development default (secret key, webhook secret, loopback site URL, console e-mail, a trusted proxy
header) survives into production."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "projects_mgmt.settings.production"


def documented_production_environment() -> dict[str, str]:
    """The .env.example production section, each <…> placeholder replaced by a fresh random secret."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    section = text.split("# --- production begin ---\n", 1)[1].split("# --- production end ---", 1)[0]
    environment: dict[str, str] = {}
    for line in section.splitlines():
        name, _, value = line.removeprefix("# ").partition("=")
        value = value.strip().strip('"')
        environment[name.strip()] = re.sub(r"<[^>]+>", lambda _: secrets.token_urlsafe(50), value)
    return environment


def _bare_environment() -> dict[str, str]:
    # Only what runs Python: a developer's DJANGO_*/REMINDERS_* variables must not help the check pass.
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if k in keep}


def test_the_documented_production_environment_lists_every_required_variable():
    environment = documented_production_environment()
    assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REMINDERS_WEBHOOK_SECRET", "REMINDERS_SITE_URL"):
        assert environment.get(name), name


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_bare_environment() | documented_production_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.fixture
def production(monkeypatch):
    """Load production.py afresh under the documented environment; a test changes one variable."""
    for name, value in documented_production_environment().items():
        monkeypatch.setenv(name, value)

    def load():
        sys.modules.pop(PRODUCTION, None)
        try:
            return importlib.import_module(PRODUCTION)
        finally:
            sys.modules.pop(PRODUCTION, None)

    return load


def test_the_documented_environment_loads(production):
    settings = production()
    assert settings.DEBUG is False
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings.REMINDERS_SITE_URL == "https://xmb.example.gov.cn"
    assert settings.IS_PRODUCTION is True
    # HTTPS: redirect, Secure cookies, HSTS, and nothing of Django's deploy checks silenced
    assert (settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE) == (True, True, True)
    assert settings.SECURE_HSTS_SECONDS == 2592000
    assert not getattr(settings, "SILENCED_SYSTEM_CHECKS", [])


def test_plain_http_turns_off_the_redirect_the_secure_cookies_and_hsts_together(production, monkeypatch):
    monkeypatch.setenv("DJANGO_SECURE_SSL_REDIRECT", "false")
    monkeypatch.setenv("REMINDERS_SITE_URL", "http://10.1.2.3")
    settings = production()
    # no redirect loop behind a plain-HTTP proxy, and cookies a browser sends back over http://
    assert (settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE) == (False, False, False)
    assert settings.SECURE_HSTS_SECONDS == 0


@pytest.mark.parametrize(("redirect", "url"), [("true", "http://10.1.2.3"), ("false", "https://xmb.example.gov.cn")])
def test_production_refuses_a_site_url_whose_scheme_disagrees_with_the_https_switch(production, monkeypatch, redirect, url):
    monkeypatch.setenv("DJANGO_SECURE_SSL_REDIRECT", redirect)
    monkeypatch.setenv("REMINDERS_SITE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECURE_SSL_REDIRECT"):
        production()


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "REMINDERS_WEBHOOK_SECRET"])
@pytest.mark.parametrize("value", ["<secret-key>", "<webhook-secret>", "abc<secret>def"])
def test_production_refuses_a_placeholder_left_from_env_example(production, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        production()


def _check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_bare_environment() | environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_on_plain_http_gives_one_chinese_warning_instead_of_four():
    environment = documented_production_environment() | {"DJANGO_SECURE_SSL_REDIRECT": "false", "REMINDERS_SITE_URL": "http://10.1.2.3"}
    result = _check_deploy(environment)
    assert result.returncode != 0  # a warning: plain HTTP is a choice to be made knowingly
    assert "core.W001" in result.stderr
    assert "仅 HTTP" in result.stderr
    assert not re.search(r"security\.W0(04|08|12|16)", result.stderr), result.stderr
    assert "1 issue" in result.stderr + result.stdout


def _production_env_file(tmp_path: Path, url: str) -> dict[str, str]:
    output = tmp_path / ".env"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "bin/production-env", "--url", url, "--output", str(output)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in output.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_bin_production_env_writes_an_https_env_that_passes_check_deploy(tmp_path):
    environment = _production_env_file(tmp_path, "https://xmb.gufeng.gov.cn")
    assert environment["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    assert (environment["DJANGO_ALLOWED_HOSTS"], environment["REMINDERS_SITE_URL"]) == ("xmb.gufeng.gov.cn", "https://xmb.gufeng.gov.cn")
    assert (environment["DJANGO_SECURE_SSL_REDIRECT"], environment["NGINX_CONF"]) == ("true", "nginx.conf")
    # fresh random secrets, one value per placeholder name (the database password twice)
    assert len({environment["DJANGO_SECRET_KEY"], environment["REMINDERS_WEBHOOK_SECRET"], environment["POSTGRES_PASSWORD"]}) == 3
    assert f":{environment['POSTGRES_PASSWORD']}@" in environment["DATABASE_URL"]
    assert not any(re.search(r"<(secret-key|webhook-secret|db-password)>", value) for value in environment.values())
    assert oct((tmp_path / ".env").stat().st_mode & 0o777) == "0o600"
    result = _check_deploy({k: v.strip('"') for k, v in environment.items()})
    assert result.returncode == 0, result.stdout + result.stderr
    # and a second run never overwrites it
    again = subprocess.run(  # noqa: S603
        [sys.executable, "bin/production-env", "--url", "https://x.gov.cn", "--output", str(tmp_path / ".env")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode != 0
    assert "已存在" in again.stderr
    assert (
        dict(
            line.split("=", 1) for line in (tmp_path / ".env").read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
        )
        == environment
    )


def test_bin_production_env_with_an_http_url_writes_the_plain_http_mode(tmp_path):
    environment = _production_env_file(tmp_path, "http://10.1.2.3:8080")
    assert (environment["DJANGO_ALLOWED_HOSTS"], environment["REMINDERS_SITE_URL"]) == ("10.1.2.3", "http://10.1.2.3:8080")
    assert environment["DJANGO_CSRF_TRUSTED_ORIGINS"] == "http://10.1.2.3:8080"
    assert (environment["DJANGO_SECURE_SSL_REDIRECT"], environment["NGINX_CONF"]) == ("false", "nginx-http.conf")
    result = _check_deploy({k: v.strip('"') for k, v in environment.items()})
    assert "core.W001" in result.stderr
    assert "1 issue" in result.stderr + result.stdout


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "REMINDERS_WEBHOOK_SECRET"])
@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "dev-insecure-key-change-me-in-production",
        "dev-webhook-secret-change-me",
        "django-insecure-abc123",
        "please-CHANGEME",
    ],
)
def test_production_refuses_a_missing_or_development_secret(production, monkeypatch, name, value):
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        production()


@pytest.mark.parametrize("value", [None, "", "http://127.0.0.1:8000", "http://localhost", "xmb.example.gov.cn"])
def test_production_refuses_a_missing_or_loopback_site_url(production, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("REMINDERS_SITE_URL")
    else:
        monkeypatch.setenv("REMINDERS_SITE_URL", value)
    with pytest.raises(ImproperlyConfigured, match="REMINDERS_SITE_URL"):
        production()


def test_the_proxy_https_header_is_trusted_only_when_configured(production, monkeypatch):
    monkeypatch.delenv("DJANGO_TRUST_PROXY_HTTPS_HEADER")
    assert not hasattr(production(), "SECURE_PROXY_SSL_HEADER")
    monkeypatch.setenv("DJANGO_TRUST_PROXY_HTTPS_HEADER", "false")
    assert not hasattr(production(), "SECURE_PROXY_SSL_HEADER")
    monkeypatch.setenv("DJANGO_TRUST_PROXY_HTTPS_HEADER", "1")
    assert production().SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")


def test_production_mails_through_smtp_unless_told_otherwise(production, monkeypatch):
    monkeypatch.delenv("EMAIL_BACKEND")
    assert production().EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    assert production().EMAIL_BACKEND == "django.core.mail.backends.dummy.EmailBackend"


def test_seed_reset_refuses_under_the_production_settings_module_and_the_data_stays(transactional_db):
    from apps.accounts.models import User
    from tests.factories import UserFactory
    from tests.reminders.test_worker import _database_url

    # given a database with an account, and the documented production environment pointed at it
    UserFactory(username="xmb")
    env = _bare_environment() | documented_production_environment() | {"DATABASE_URL": _database_url()}
    # when the documented demo reset is run there, without a question
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "seed", "--demo", "--reset", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # then it fails, in Chinese, and the account is still there
    assert result.returncode != 0, result.stdout
    assert "生产环境（projects_mgmt.settings.production）不允许 --reset" in result.stderr
    assert "数据库已清空" not in result.stdout
    assert list(User.objects.values_list("username", flat=True)) == ["xmb"]


def test_a_settings_module_named_in_env_is_the_one_manage_py_celery_and_gunicorn_run(tmp_path, monkeypatch):
    from projects_mgmt import settings_module

    # given no DJANGO_SETTINGS_MODULE in the environment and a .env naming the production settings
    env_file = tmp_path / ".env"
    env_file.write_text(f"DJANGO_SETTINGS_MODULE={PRODUCTION}\n", encoding="utf-8")
    monkeypatch.setattr(settings_module, "ENV_FILE", env_file)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    # when an entry point with the local default starts, the .env's choice wins
    settings_module.use_settings("projects_mgmt.settings.local")
    assert os.environ["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    # and the environment wins over .env (docker compose, a service manager, bin/run)
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "projects_mgmt.settings.test")
    settings_module.use_settings("projects_mgmt.settings.local")
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "projects_mgmt.settings.test"
    # and without either, the entry point's default
    env_file.write_text("", encoding="utf-8")
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE")
    settings_module.use_settings("projects_mgmt.settings.local")
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "projects_mgmt.settings.local"
