import pytest
from django.core.management import call_command


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo portfolio, loaded once per module (it takes seconds) and flushed afterwards."""
    with django_db_blocker.unblock():
        call_command("seed", demo=True, verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
