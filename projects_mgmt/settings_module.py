"""Which settings a process runs (manage.py, Celery, gunicorn): DJANGO_SETTINGS_MODULE from the
environment, else from the project's .env, else the entry point's default."""

from __future__ import annotations

import os
from pathlib import Path

import environ

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def use_settings(default: str) -> None:
    """Set DJANGO_SETTINGS_MODULE unless the environment already has it. The settings read .env too,
    but only once a module is chosen: a .env naming the production settings must not have manage.py
    and the Celery worker run the local ones (and `seed --reset` pass its production guard)."""
    environ.Env.read_env(ENV_FILE, overwrite=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default)
