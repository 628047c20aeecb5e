"""The Celery app. Broker: Redis when REDIS_URL is set, kombu's filesystem transport otherwise."""

import os
import time

from celery import Celery
from celery.signals import task_postrun, task_prerun

from projects_mgmt.settings_module import use_settings

use_settings("projects_mgmt.settings.local")

app = Celery("projects_mgmt")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _ensure_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    # The filesystem transport does not create its folders; a fresh clone has none.
    options = sender.conf.broker_transport_options or {}
    folders = [options.get(key) for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")]
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        folders.append(backend[len("file://") :])
    for folder in filter(None, folders):
        os.makedirs(folder, exist_ok=True)


# A connection used less than this long ago is taken as alive without a health-check query.
IDLE_BEFORE_HEALTH_CHECK = 1.0
_last_task_finished = 0.0


@task_prerun.connect
def _retire_broken_database_connections(sender=None, **kwargs: object) -> None:
    """What Django does before each request, done before each task. Celery's Django fix-up looks at
    the worker's connections only every CELERY_DB_REUSE_MAX tasks, so after a PostgreSQL restart
    every task until then would fail on the dead connection. Here a connection that raised an error
    or outlived CONN_MAX_AGE is closed (the task opens a new one), and one that sat idle is
    health-checked (CONN_HEALTH_CHECKS) by its first query. A busy worker skips that extra round
    trip: a connection that died under it shows as an error, which retires it before the next task."""
    from django.db import connections

    if getattr(sender.request, "is_eager", False):
        return  # run in the caller's process (tests, `apply()`): its connection is the caller's business
    busy = time.monotonic() - _last_task_finished < IDLE_BEFORE_HEALTH_CHECK
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()
        if busy and conn.connection is not None:
            conn.health_check_done = True


@task_postrun.connect
def _note_task_finished(**kwargs: object) -> None:
    global _last_task_finished  # one timestamp per worker process
    _last_task_finished = time.monotonic()
