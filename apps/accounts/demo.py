"""The demo accounts and their password, published in the README (演示账号) on purpose.

`manage.py seed --demo` creates them (seeds/demo.py); `manage.py check --deploy` fails while any of
them still signs in with this password (apps/accounts/checks.py); the password validators refuse it
as anybody's new password (apps/accounts/validators.py), so these accounts are the only ones that
can carry it.
"""

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - published in the README on purpose
DEMO_USERNAMES = ("admin", "xmb", "zjj", "jtj", "cwfqz", "viewer")
