"""`manage.py check --deploy` fails while a demo account still signs in with the published demo
password, naming the accounts and what to do; it passes once they are changed, deleted or
deactivated."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.checks import run_checks
from django.core.exceptions import ValidationError

from apps.accounts.demo import DEMO_PASSWORD, DEMO_USERNAMES
from apps.accounts.validators import PublishedPasswordValidator
from seeds.demo import DEMO_USERS
from tests.core.test_deploy_settings import ROOT, _bare_environment, documented_production_environment
from tests.factories import UserFactory
from tests.reminders.test_worker import _database_url

pytestmark = pytest.mark.django_db


def _demo_errors() -> list:
    return [m for m in run_checks(include_deployment_checks=True) if m.id == "accounts.E001"]


def _demo_account(username: str, **fields):
    user = UserFactory(username=username, **fields)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def test_the_checked_usernames_are_the_demos():
    assert tuple(row[0] for row in DEMO_USERS) == DEMO_USERNAMES


def test_the_deploy_check_names_every_demo_account_still_on_the_demo_password():
    for name in DEMO_USERNAMES:
        _demo_account(name)
    UserFactory(username="real-user")
    [error] = _demo_errors()
    assert error.msg.startswith(f"演示账号仍使用公开的演示密码 {DEMO_PASSWORD}：admin、xmb、zjj、jtj、cwfqz、viewer")
    assert "修改密码" in error.hint
    assert "删除或停用" in error.hint
    assert error.is_serious()


def test_changing_deleting_or_deactivating_each_demo_account_clears_the_check():
    admin, xmb, zjj = (_demo_account(name) for name in ("admin", "xmb", "zjj"))
    admin.set_password("Changed-2027")
    admin.save()
    xmb.delete()
    [error] = _demo_errors()
    assert "：zjj（" in error.msg
    zjj.is_active = False
    zjj.save()
    assert _demo_errors() == []


def test_another_account_with_a_demo_name_but_its_own_password_passes():
    UserFactory(username="admin")
    assert _demo_errors() == []


def test_nobody_can_choose_the_demo_password():
    with pytest.raises(ValidationError, match="公开的演示密码"):
        PublishedPasswordValidator().validate("demo@2026")


def _check_deploy() -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=_bare_environment() | documented_production_environment() | {"DATABASE_URL": _database_url()},
        capture_output=True,
        text=True,
        check=False,
    )


def test_manage_py_check_deploy_exits_non_zero_under_production_settings_until_the_password_is_changed(transactional_db):
    # given the demo superuser, hashed as production hashes (PBKDF2, not the tests' MD5)
    hasher = PBKDF2PasswordHasher()
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    admin.password = hasher.encode(DEMO_PASSWORD, hasher.salt())
    admin.save()
    # when the documented production environment runs the check on this database
    refused = _check_deploy()
    # then it fails, naming the account and what to do
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "accounts.E001" in refused.stderr
    assert "演示账号仍使用公开的演示密码 Demo@2026：admin" in refused.stderr
    # and passes once the password is changed
    admin.password = hasher.encode("Changed-2027", hasher.salt())
    admin.save()
    passed = _check_deploy()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "System check identified no issues" in passed.stdout
