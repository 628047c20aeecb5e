"""The page tests' shared fixtures (signed-in clients per role), as in tests/web."""

from tests.web.conftest import dept_user, leader_user, office, signed_in  # noqa: F401 - fixtures
