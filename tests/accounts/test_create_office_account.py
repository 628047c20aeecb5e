"""`manage.py create_office_account`: the first 项目办 account of a fresh installation, which then signs
in; weak passwords and existing usernames are refused and change nothing."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.models import Role, User
from apps.accounts.roles import role_group_name
from tests.reminders.test_worker import _database_url

ROOT = Path(__file__).resolve().parents[2]
STRONG = "Xmb-2026-qiangmima"
PROMPT = "密码：".encode()


def _create(monkeypatch, password: str = STRONG, **options) -> None:
    monkeypatch.setenv("OFFICE_ACCOUNT_PASSWORD", password)
    call_command("create_office_account", interactive=False, **{"username": "xmb", "department": "发改局", **options})


def test_the_command_makes_an_office_account_that_signs_in_and_opens_the_dashboard(reference, monkeypatch, capsys):
    # when the first office account is made on a database that has only the reference data
    _create(monkeypatch, name="张三", email="xmb@example.gov.cn")
    # then it is an office user of the 发改局, in the office's role group, allowed into the admin
    user = User.objects.get(username="xmb")
    assert (user.role, user.department.short_name, user.is_staff, user.is_superuser) == (Role.PORTFOLIO_OFFICE, "发改局", True, False)
    assert list(user.groups.values_list("name", flat=True)) == [role_group_name(Role.PORTFOLIO_OFFICE)]
    assert (str(user), user.email) == ("张三", "xmb@example.gov.cn")
    assert "已创建项目办账号“xmb”" in capsys.readouterr().out
    # and it signs in on the site's login page and sees the dashboard and the admin
    client = Client()
    signed_in = client.post("/login/", {"username": "xmb", "password": STRONG})
    assert signed_in.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/admin/reminders/reminderdelivery/").status_code == 200


@pytest.mark.parametrize(
    ("password", "reason"),
    [("1234", "太短"), ("12345678a", "太常见"), ("83649275103", "只包含数字")],
)
def test_a_weak_password_is_refused_in_chinese_and_no_account_is_made(reference, monkeypatch, password, reason):
    with pytest.raises(CommandError) as refused:
        _create(monkeypatch, password=password)
    assert str(refused.value).startswith("未创建账号：")
    assert reason in str(refused.value)
    assert not User.objects.exists()


def test_a_password_like_the_username_is_refused(reference, monkeypatch):
    with pytest.raises(CommandError, match="太相似"):
        _create(monkeypatch, password="xmb-office-2026", username="xmb-office-2026")


def test_an_existing_username_is_refused_in_any_letter_case_and_that_account_is_left_as_it_was(reference, monkeypatch):
    # given an account "xmb" (a department user, with its own password)
    _create(monkeypatch)
    existing = User.objects.get(username="xmb")
    User.objects.filter(pk=existing.pk).update(role=Role.VIEWER)
    before = User.objects.values().get(pk=existing.pk)
    # when the command is run again for "xmb" and "XMB" with another password
    for username in ("xmb", "XMB"):
        with pytest.raises(CommandError, match="已存在，未做任何改动"):
            _create(monkeypatch, password="Another-Strong-2026", username=username)
    # then nothing changed: no second account, the same role and password
    assert User.objects.count() == 1
    assert User.objects.values().get(pk=existing.pk) == before


def test_an_unknown_department_is_refused_naming_the_known_ones(reference, monkeypatch):
    with pytest.raises(CommandError) as refused:
        _create(monkeypatch, department="不存在局")
    assert "没有名称或简称为“不存在局”的单位" in str(refused.value)
    assert "发改局" in str(refused.value)
    assert not User.objects.exists()


def test_without_the_seeded_role_groups_the_command_says_to_run_seed_first(reference, monkeypatch):
    Group.objects.all().delete()
    with pytest.raises(CommandError, match="manage.py seed"):
        _create(monkeypatch)


def test_noinput_without_the_password_variable_is_refused(reference, monkeypatch):
    monkeypatch.delenv("OFFICE_ACCOUNT_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="OFFICE_ACCOUNT_PASSWORD"):
        call_command("create_office_account", interactive=False, username="xmb", department="发改局")


def _run_in_a_terminal(*answers: str) -> str:
    """Run the command in a real pseudo-terminal (getpass reads the controlling terminal, without
    echo) and type `answers` at its prompts; returns what the terminal showed."""
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "projects_mgmt.settings.test", "DATABASE_URL": _database_url()}
    env.pop("OFFICE_ACCOUNT_PASSWORD", None)
    argv = [sys.executable, "manage.py", "create_office_account", "--username", "xmb", "--department", "发改局"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.chdir(ROOT)
        os.execve(sys.executable, argv, env)  # noqa: S606 - our own interpreter and arguments
    shown, pending, deadline = b"", list(answers), time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # the child closed the terminal: it has finished
                    break
                if not chunk:
                    break
                shown += chunk
                # Both prompts ("密码：", "再次输入密码：") end alike: answer each new one once.
                if pending and shown.count(PROMPT) > len(answers) - len(pending):
                    os.write(fd, (pending.pop(0) + "\n").encode())
    finally:
        os.waitpid(pid, 0)
        os.close(fd)
    return shown.decode(errors="replace")


@pytest.mark.integration
def test_in_a_terminal_the_password_is_asked_twice_without_echo(transactional_db):
    from seeds.reference import load_reference

    load_reference()
    # when the two answers differ, nothing is made
    shown = _run_in_a_terminal(STRONG, STRONG + "x")
    assert "两次输入的密码不一致" in shown
    assert not User.objects.exists()
    # when they agree, the account is made, and the password never appeared on the terminal
    shown = _run_in_a_terminal(STRONG, STRONG)
    assert "已创建项目办账号“xmb”" in shown, shown
    assert STRONG not in shown
    assert User.objects.get(username="xmb").check_password(STRONG)
