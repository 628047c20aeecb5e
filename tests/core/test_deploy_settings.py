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
