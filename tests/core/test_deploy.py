"""The production shape: compose file parses, `check --deploy` is clean under production settings."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

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
    conf = services["proxy"]["volumes"][0].split(":")[0]
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
