"""The production shape: compose file parses, `check --deploy` is clean under production settings."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_parses_and_has_the_five_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
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


def test_check_deploy_is_clean_under_production_settings():
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.production",
        "DJANGO_SECRET_KEY": "x" * 64 + "-not-a-real-secret-only-for-this-check",
        "DJANGO_ALLOWED_HOSTS": "xmb.example.gov.cn",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
