"""Settings shared by every environment. local/test/production only override.

Every value that differs between machines comes from the environment (see .env.example).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

from projects_mgmt.spectacular_enums import ENUM_NAME_OVERRIDES

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# True only under projects_mgmt.settings.production (set there, not from the environment): what must
# never run against live data asks it (`seed --demo --reset` refuses).
IS_PRODUCTION = False

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-insecure-key-change-me-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # django.contrib.admin with a site that refuses a signed-in user in Chinese (apps/core/admin_site.py).
    "apps.core.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Login lockout after repeated failures (see "Login lockout" below).
    "axes",
    # Content-Security-Policy header (see "Content-Security-Policy" below).
    "csp",
    "apps.accounts",
    "apps.organization",
    "apps.workcalendar",
    "apps.projects",
    "apps.milestones",
    "apps.progress",
    "apps.land",
    "apps.problems",
    "apps.lights",
    "apps.stats",
    "apps.core",
    "apps.api",
    "apps.reminders",
    "apps.sheets",
    "apps.web",
    "apps.oc4ids",
    "apps.scoring",
    "apps.bulletins",
    # Outside apps/ and its layers: they drive every app and hold their own commands — the reference
    # and demo data (`manage.py seed`, `generate_portfolio`) and the benchmarks (`bench`, `loadtest`).
    "seeds",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so files it serves (the vendored docs' own HTML among them) carry the
    # headers too. Both leave a header a view has set itself alone (the media view's sandbox).
    "apps.core.csp.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, without the trailing-slash redirect under /api/ (a JSON 404 there instead).
    "apps.api.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Browser sessions: the idle and absolute time limits, then the forced change of a one-time
    # password (see "Sessions" below). API tokens carry no session and pass untouched.
    "apps.accounts.middleware.SessionTimeoutMiddleware",
    "apps.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the logged-in admin user as the author of history rows written in a request.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as axes documents: turns a locked-out login into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "projects_mgmt.urls"
WSGI_APPLICATION = "projects_mgmt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.web.context.header",
            ],
        },
    },
]

# Embedded default: SQLite in the project folder when DATABASE_URL is not set.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections in web and worker processes: a new PostgreSQL connection per request
# costs more than most of our queries. Health checks make a restarted PostgreSQL a non-event: a
# dead connection is replaced at the start of the next request instead of failing it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiled the light-annotated queries on every call (15.3 s of a 17.6 s deep
    # page, 13.6 s against 0.9 s for the filtered list at 20 000 projects): our queries are many
    # and short, the kind JIT slows down. DB_JIT=on turns it back on.
    _jit = "on" if env.bool("DB_JIT", default=False) else "off"
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c jit={_jit}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Django's, with its "too short" message in Chinese (not in Django 5.2's zh_Hans catalogue).
    {"NAME": "apps.accounts.validators.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The demo password is in the README: nobody may choose it (the deploy check relies on it).
    {"NAME": "apps.accounts.validators.PublishedPasswordValidator"},
]

# Chinese whatever the browser asks for: no LocaleMiddleware, one language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Login lockout (django-axes) -------------------------------------------------------------
# Every login form (the site's, the admin's, the browsable API's) goes through authenticate(): the
# axes backend first refuses a locked-out username+IP, then ModelBackend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# The account limit counts per username AND client IP together: by username alone anyone anywhere
# could lock a leader out with five wrong passwords; by IP alone one typo-prone colleague behind
# the government network's shared NAT address would lock out the whole bureau.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The address limit: failures from one address within the cool-off, whatever the usernames
# (apps/accounts/lockout.py). A success clears its own username's failures, so only failures nobody
# followed with a success add up: a bureau of 50 behind one NAT address signing in each morning
# makes a handful of typos, nearly all followed by a success; 30 unanswered failures in 15 minutes
# is spraying (the finding: 24 usernames × 4 passwords), which stops at the 30th.
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_RESET_ON_SUCCESS = True
# A try during a lock is refused and not recorded: the lock ends when the page said it would,
# instead of restarting with every try (anyone behind the same NAT address could otherwise keep a
# colleague locked out for good).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Attempts in the database: shared by every gunicorn worker whatever the cache is, listed in the
# admin (登录锁定, where the office unlocks) and cleared by `manage.py axes_reset`. Axes' database
# handler plus the address limit.
AXES_HANDLER = "apps.accounts.lockout.LoginLockHandler"
# Our own Chinese admin pages (apps/accounts/admin.py) instead of axes' English ones.
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_ip"
# Number of reverse proxies in front of Django that append to X-Forwarded-For. 0 (the default):
# the header is ignored and the TCP peer is the client, because anyone can send that header.
LOGIN_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# --- Content-Security-Policy and Permissions-Policy ----------------------------------------
# Content from users is untrusted everywhere it goes (DESIGN.md §2): should any of it ever reach a
# page as markup, the browser still runs no script but our own files. So: scripts only from this
# site's own files — no inline <script>, no on*= handlers, no eval (pages pass data to their script
# with json_script or data- attributes); nothing from another origin (government intranets have no
# internet, and every asset is vendored); no plugins; no <base> to re-point relative URLs; no
# framing by other sites (clickjacking; X-Frame-Options says the same to old browsers); forms post
# only to this site. Styles too come only from our files: the site's templates carry no style=""
# and no <style> (a kept 通报 page's own <style> is allowed by its hash, apps/bulletins/web/views.py).
# Third-party pages that need more get it on their paths only (CSP_PATH_UPDATES below); scripts are
# never widened. img-src allows data: for the icons Swagger UI's stylesheet embeds as data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Sources added on some paths (apps.core.csp.CSPMiddleware), each for third-party HTML we do not write:
CSP_PATH_UPDATES = {
    # Redoc renders with styled-components, which injects <style> elements while it runs, some as its
    # script loads (before Redoc's `nonce` option can reach them). The page shows our OpenAPI schema
    # only — no user content — and its scripts stay our own files. Its search index runs in a Web
    # Worker that Redoc's own script builds from a blob: URL.
    "/api/redoc/": {"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]},
    # DRF's browsable API and its login page: style="" attributes in DRF's own templates (filter and
    # action buttons, the login box). Attributes only: no <style> elements, nothing from elsewhere.
    "/api/v1/": {"style-src-attr": ["'unsafe-inline'"]},
    "/api-auth/": {"style-src-attr": ["'unsafe-inline'"]},
}
# Powerful browser features the site never uses, off for every page (and for anything a page might
# embed): no page asks for a camera, a microphone, the user's position, payment, USB or serial
# devices… Only names Chromium knows: it reports an unknown one on every page's console (and
# tests/browser/test_csp.py fails on that).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# --- Sessions (browser sign-in; apps/accounts/middleware.py) ----------------------------------
# Absolute: one working day. An office signs in in the morning and works into the evening without
# signing in again; a session cookie copied off a shared office PC is useless by the next morning.
# Django's SESSION_COOKIE_AGE (counted from the session's last save) is the same span, so the
# session row and cookie never expire before the middleware can say why the user was signed out.
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_MAX_HOURS", default=12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
# Idle: 2 hours without a request (a lunch break ends the session of a PC left signed in). The
# same in development, so the demo behaves as production will.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=120))
# The idle clock is rewritten at most this often: not an UPDATE of the session row per request.
SESSION_IDLE_WRITE_SECONDS = 60
# After an office reset the user reaches only these until they set their own password.
PASSWORD_CHANGE_URL = "web:password-change"  # noqa: S105 - a URL name, not a password
PASSWORD_CHANGE_ALLOWED_URLS = ["web:password-change", "web:logout", "admin:logout", "rest_framework:logout"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Celery -------------------------------------------------------------------------------
# Redis when REDIS_URL is set (production, CI); kombu's filesystem transport otherwise, so
# web, worker and beat run on a bare machine (DESIGN.md §2 "embedded default").
REDIS_URL = env("REDIS_URL", default="")
CELERY_DATA_DIR = Path(env("CELERY_DATA_DIR", default=str(BASE_DIR / "var" / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Longer than the longest countdown a task waits out (a reminder's retry: 30 min + up to 50 %
    # jitter = 45 min): a worker holds a countdown's message unacknowledged until it is due, and past
    # the visibility timeout Redis would hand a copy to another worker. A dead worker's messages do
    # not wait for it either: the minutely requeue re-sends its deliveries from the database.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
# Results only for the few tasks that ask for them (ignore_result=False): Redis in production,
# files under var/celery in the embedded default.
CELERY_RESULT_BACKEND = REDIS_URL or f"file://{CELERY_DATA_DIR / 'results'}"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "celerybeat-schedule")
# Keep the worker's database connection between tasks (Celery's Django fix-up closes it after every
# task otherwise: measured 36/s against 85–97/s deliveries). CONN_MAX_AGE and the health check
# still retire an old or broken connection.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)

# --- Cache --------------------------------------------------------------------------------
# Whatever several processes must agree on (the API throttle counts, the login lockout) lives in
# the cache, so the cache is Redis whenever Redis is there: 4 gunicorn workers each counting in
# their own memory would allow 4× the documented rate. CACHE_URL picks another Redis database.
CACHE_URL = env("CACHE_URL", default="") or REDIS_URL
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="pm")

# 调度表 and 往年完成投资 imports (apps/sheets). A file of up to SHEETS_IMPORT_INLINE_BYTES is imported
# in the upload request (a 200-row template is about 33 KB); anything larger by a Celery worker.
# The caps are counted on what is actually read, never on what the file declares
# (apps/sheets/xlsxread.py): rows with values, cells (empty formatted ones too), bytes inflated.
SHEETS_IMPORT_INLINE_BYTES = env.int("SHEETS_IMPORT_INLINE_BYTES", default=64 * 1024)
SHEETS_IMPORT_MAX_ROWS = env.int("SHEETS_IMPORT_MAX_ROWS", default=50_000)
SHEETS_IMPORT_MAX_CELLS = env.int("SHEETS_IMPORT_MAX_CELLS", default=2_000_000)
SHEETS_IMPORT_MAX_INFLATED_BYTES = env.int("SHEETS_IMPORT_MAX_INFLATED_BYTES", default=100 * 1024 * 1024)
# A worker stops an import after this long (Celery's soft time limit; the hard one is a minute
# later) and the job fails with a message; a job 导入中 with no heartbeat for
# SHEETS_IMPORT_STALE_SECONDS lost its worker and fails too (status poll and periodic task).
SHEETS_IMPORT_TIME_LIMIT_SECONDS = env.int("SHEETS_IMPORT_TIME_LIMIT_SECONDS", default=30 * 60)
SHEETS_IMPORT_STALE_SECONDS = env.int("SHEETS_IMPORT_STALE_SECONDS", default=10 * 60)

# A warning-rule or calendar edit recomputes the stored due items' light days in the worker
# (apps.lights.services.due_items_refresh_later).
DUE_ITEMS_REFRESH_ON_EDIT = env.bool("DUE_ITEMS_REFRESH_ON_EDIT", default=True)

# Day of the month on which the previous month's 通报 is generated (after the reports' deadline).
BULLETIN_DAY = env.int("BULLETIN_DAY", default=5)

# Static beat schedule (STYLE.md): business-tunable timings are rows, not entries here.
CELERY_BEAT_SCHEDULE = {
    # Every day at 06:30: close the previous month on the office's set working day after the report
    # deadline (CloseSetting, default the 3rd; a stopped beat catches up on a later day). Idempotent:
    # a month with a close record — closed, or reopened by the office — is never closed again by it.
    "close-due-periods": {
        "task": "apps.stats.tasks.close_due_periods_task",
        "schedule": crontab(hour=6, minute=30),
        "options": {"expires": 60 * 60},
    },
    # Every day at 00:05: the stored due items checked against the registry's live answer (drift
    # repaired and logged), then brought to the new day (report periods open, planned starts settle).
    "check-due-items": {
        "task": "apps.lights.tasks.check_due_items_task",
        "schedule": crontab(hour=0, minute=5),
        "options": {"expires": 6 * 60 * 60},
    },
    # Every day at 00:30, after the due items are brought to the new day: the statistics' stored rows
    # of the latest report period and the running month worked out for every live project
    # (apps.stats.live), so the day's first statistic, 驾驶舱 or 通报 reads them ready.
    "refresh-live-figures": {
        "task": "apps.stats.tasks.refresh_live_figures_task",
        "schedule": crontab(hour=0, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # Every day at 08:00 Asia/Shanghai: warn the office when next year's 调休 calendar is missing
    # (the State Council publishes it each winter; a missing year falls back to Mon–Fri).
    "check-calendar-coverage": {
        "task": "apps.workcalendar.tasks.check_calendar_coverage_task",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 60 * 60},
    },
    # Every 5 minutes: the reminder sweep over milestones, problems and planned starts. It writes
    # nothing outside each rule's office hours and working days, and catches up after an outage.
    # Expires before the next run so a backlog never stacks sweeps.
    "sweep-reminders": {
        "task": "apps.reminders.tasks.sweep_reminders_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Every minute: re-enqueue the deliveries a dead worker took with it, once the send queue is
    # empty (REMINDERS_REQUEUE_LOST_AFTER_SECONDS, REMINDERS_CLAIM_TIMEOUT_SECONDS), instead of
    # leaving them to Redis's visibility timeout or the sweep's slower pass. Expires before the next.
    "requeue-lost-deliveries": {
        "task": "apps.reminders.tasks.requeue_lost_deliveries_task",
        "schedule": crontab(),
        "options": {"expires": 50},
    },
    # Every day at 09:05: monthly-report reminders before the deadline day and 催报 after it
    # (day-granular, so once a morning is enough; non-working days are skipped by the rule).
    "chase-monthly-reports": {
        "task": "apps.reminders.tasks.chase_monthly_reports_task",
        "schedule": crontab(hour=9, minute=5),
        "options": {"expires": 60 * 60},
    },
    # Every morning at 09:00: the 包保 leaders' weekly digest. It is sent only on the week's first
    # working day — Monday, or the next working day when Monday is a holiday — once per week.
    "leader-digests": {
        "task": "apps.reminders.tasks.send_leader_digests_task",
        "schedule": crontab(hour=9, minute=0),
        "options": {"expires": 2 * 60 * 60},
    },
    # Every 5 minutes: an import 导入中 whose worker was lost (no heartbeat for
    # SHEETS_IMPORT_STALE_SECONDS) ends failed, also when nobody has its page open. Expires before the next.
    "fail-stale-imports": {
        "task": "apps.sheets.tasks.fail_stale_imports_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # On day BULLETIN_DAY of each month at 08:30: the previous month's 通报, generated and sent to
    # the subscribed leaders once (a second run for the month does nothing); expires within the day.
    "monthly-bulletin": {
        "task": "apps.bulletins.tasks.generate_monthly_bulletin_task",
        "schedule": crontab(day_of_month=BULLETIN_DAY, hour=8, minute=30),
        "options": {"expires": 8 * 60 * 60},
    },
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Simple-history: keep the change reason field; authors come from services (actor) or middleware.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- REST API (/api/v1/) --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # ConformsToSchema refuses what the OpenAPI schema does not allow (400), after RolePermission's 401/403.
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.RolePermission", "apps.api.strict.ConformsToSchema"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "apps.core.filters.StrictOrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "apps.api.browsable.BrowsableApiRenderer"],
    # Bodies are JSON, typed as the schema says: a form field is text, so `0` for a boolean or
    # "abc" for a number could not be told from a string. The actions that take a file
    # (milestone complete, problem close) add multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.PagePagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
    # The browsable API's page titles and descriptions in Chinese (from the schema summaries).
    "VIEW_NAME_FUNCTION": "apps.api.browsable.view_name",
    "VIEW_DESCRIPTION_FUNCTION": "apps.api.browsable.view_description",
    "EXCEPTION_HANDLER": "apps.api.errors.exception_handler",
    "DEFAULT_METADATA_CLASS": "apps.api.metadata.PlainMetadata",
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttling.TokenRateThrottle", "apps.api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_TOKEN_RATE", default="600/min"),
        "user": env("API_USER_RATE", default="1200/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Validity of a newly issued API token unless its issuer sets another date (or, deliberately, none).
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=365)
# Oversized payloads are refused with 413 before any parsing (DRF turns it into our error shape).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# The largest attachment a user may upload (批复文件, 销号佐证, 督办文书), refused in Chinese above it
# (apps/core/uploads.py); the API admits an upload request this much larger than DATA_UPLOAD_MAX_MEMORY_SIZE.
UPLOAD_MAX_SIZE = env.int("UPLOAD_MAX_SIZE", default=20 * 1024 * 1024)

SPECTACULAR_SETTINGS = {
    "TITLE": "重点项目清单化管理系统 API",
    "DESCRIPTION": "县（区）重点项目台账、要件节点、月报、问题清单、逾期清单和统计指标。金额单位为万元（字符串形式的十进制数）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Group operations by resource (projects, milestones, …) instead of one "v1" heap.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.api.schema.split_upload_bodies",
        "apps.api.schema.close_request_bodies",
        "apps.api.schema.add_examples",
        "apps.api.schema.add_links",
        "apps.api.schema.add_tags",
    ],
    # Nothing leaves the machine: no online validator badge in Swagger UI (it loads an image from
    # validator.swagger.io), Redoc in the users' own fonts.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif',
                "headings": {"fontFamily": '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif'},
                "code": {"fontFamily": "Consolas, Menlo, monospace"},
            }
        }
    },
}

# --- Reminders ----------------------------------------------------------------------------
# Reminders and escalation (apps.reminders, DESIGN.md §5). E-mail defaults to the console
# backend so nothing leaves a developer machine; production sets the EMAIL_* variables.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="重点项目清单化管理系统 <noreply@localhost>")
# Absolute links in e-mails and robot messages.
REMINDERS_SITE_URL = env("REMINDERS_SITE_URL", default="http://127.0.0.1:8000")
# Queue of the send tasks ("celery" is what bin/run's worker consumes; a dedicated worker can take
# "reminders" apart from exports).
REMINDERS_QUEUE = env("REMINDERS_QUEUE", default="celery")
# Items read and written per transaction by the sweep.
REMINDERS_SWEEP_BATCH_SIZE = env.int("REMINDERS_SWEEP_BATCH_SIZE", default=2000)
# Pending rows older than this are re-enqueued by the sweep (their message was lost: broker down,
# worker killed), whatever the queue holds: the backstop. Longer than a normal queue wait.
REMINDERS_REQUEUE_AFTER_SECONDS = env.int("REMINDERS_REQUEUE_AFTER_SECONDS", default=600)
# The minutely requeue: once the send queue is empty, pending rows enqueued (or due for their
# retry) longer ago than this have lost their message with a dead worker and are re-enqueued. Above
# the time a taken message takes to run; a killed worker's deliveries go out within minutes.
REMINDERS_REQUEUE_LOST_AFTER_SECONDS = env.int("REMINDERS_REQUEUE_LOST_AFTER_SECONDS", default=120)
REMINDERS_REQUEUE_LIMIT = env.int("REMINDERS_REQUEUE_LIMIT", default=20000)
# SMS, webhook and e-mail commit a claim before calling the channel; a claim older than this belongs
# to a dead sender (the row is sent once more with the same delivery id). Far above the channels'
# own timeouts (REMINDERS_WEBHOOK_TIMEOUT 10 s, EMAIL_TIMEOUT 20 s a step), so a slow but live
# sender is never taken for dead.
REMINDERS_CLAIM_TIMEOUT_SECONDS = env.int("REMINDERS_CLAIM_TIMEOUT_SECONDS", default=300)
# Attempts per delivery before it is marked failed (visible in the admin and the API, resendable).
REMINDERS_MAX_ATTEMPTS = env.int("REMINDERS_MAX_ATTEMPTS", default=5)
# In-app deliveries go to the worker this many to a message and are written in one transaction:
# one Celery message per delivery capped a worker at ~80 a second, batches of 100 send over 1 000.
REMINDERS_SEND_BATCH_SIZE = env.int("REMINDERS_SEND_BATCH_SIZE", default=100)
REMINDERS_RETRY_BASE_SECONDS = env.int("REMINDERS_RETRY_BASE_SECONDS", default=30)
# Generic webhooks are signed with HMAC-SHA256; an endpoint without its own secret uses this one.
REMINDERS_WEBHOOK_SECRET = env("REMINDERS_WEBHOOK_SECRET", default="dev-webhook-secret-change-me")
# Optional: one endpoint from the environment (seeded as a WebhookEndpoint row by `manage.py seed`).
REMINDERS_WEBHOOK_URL = env("REMINDERS_WEBHOOK_URL", default="")
REMINDERS_WEBHOOK_FLAVOR = env("REMINDERS_WEBHOOK_FLAVOR", default="generic")
REMINDERS_WEBHOOK_TIMEOUT = env.int("REMINDERS_WEBHOOK_TIMEOUT", default=10)
# SMS gateway class with send(*, phone, text, delivery_id); the default only writes the log.
REMINDERS_SMS_BACKEND = env("REMINDERS_SMS_BACKEND", default="apps.reminders.channels.sms.LogSmsBackend")
# Reply deadline of an automatic 督办函, in working days from its issue.
REMINDERS_NOTICE_REPLY_WORKING_DAYS = env.int("REMINDERS_NOTICE_REPLY_WORKING_DAYS", default=5)

# How the statistics print percentages, points and 亿元 (offices differ: 37/52 is 71.2 % rounded half
# up, 71.1 % truncated). The summary says which it used; a request may ask for the other.
STATS_ROUNDING = env("STATS_ROUNDING", default="half_up")  # half_up | truncate
STATS_DECIMALS = env.int("STATS_DECIMALS", default=1)
# 统计局 gap light: a closed month's project is yellow (纳统差异) when the department's 年初至今完成
# and the 统计局联网直报 figure differ by more than this percentage of the larger of the two.
STATS_BUREAU_GAP_YELLOW_PCT = env.float("STATS_BUREAU_GAP_YELLOW_PCT", default=10.0)
