"""The first 项目办 account of a new installation (migrate and seed make none): a signed-in office user
is who makes every other account, in the admin."""

from __future__ import annotations

import getpass
import os
import sys

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from apps.accounts.models import Role, User
from apps.accounts.roles import role_group_name
from apps.accounts.services import user_create
from apps.organization.models import Department

# For scripts (--noinput): read from the environment, so the password is in no shell history or
# process list. Set it for the one command, never in .env.
PASSWORD_VARIABLE = "OFFICE_ACCOUNT_PASSWORD"  # noqa: S105 - the name of a variable, not a password


class Command(BaseCommand):
    help = (
        "新建项目办账号（正式部署后的第一个账号）：--username 用户名 --department 所属单位（名称或简称，如“发改局”）"
        f"[--name 姓名] [--email 邮箱]。密码输入两次（不回显）；脚本中用 --noinput 并由环境变量 {PASSWORD_VARIABLE} 提供。"
        "密码须通过系统的密码强度校验；用户名已存在时拒绝，不会覆盖已有账号。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True, help="登录用户名")
        parser.add_argument("--department", required=True, help="所属单位的名称或简称（参考数据中的单位，如“发改局”）")
        parser.add_argument("--name", default="", help="姓名（显示用）")
        parser.add_argument("--email", default="", help="邮箱（接收提醒邮件）")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help=f"不询问密码，改从环境变量 {PASSWORD_VARIABLE} 读取"
        )

    def handle(self, *args, username: str, department: str, name: str, email: str, interactive: bool, **options):
        username = username.strip()
        if not username:
            raise CommandError("用户名不能为空。")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"用户名“{username}”已存在，未做任何改动。已有账号不会被覆盖；如需修改其密码或角色，请在后台“用户”中操作。")
        office_group = role_group_name(Role.PORTFOLIO_OFFICE)
        if not Group.objects.filter(name=office_group).exists():
            raise CommandError(f"角色组“{office_group}”尚未建立：请先运行 python manage.py migrate 和 python manage.py seed。")
        unit = self._department(department)
        password = self._password(interactive)
        try:
            user = user_create(
                actor=None,  # the system: no account exists yet to act as
                username=username,
                password=password,
                role=Role.PORTFOLIO_OFFICE,
                department=unit,
                full_name=name,
                email=email,
                is_staff=True,  # the office administers users, rules and tokens in the admin
            )
        except ValidationError as exc:
            raise CommandError("未创建账号：" + "；".join(exc.messages)) from exc
        self.stdout.write(
            f"已创建项目办账号“{user.username}”（{unit.name}，角色组“{office_group}”）。请用它登录系统，并在后台“用户”中为其他人建立账号。"
        )

    def _department(self, wanted: str) -> Department:
        wanted = wanted.strip()
        matches = list(Department.objects.filter(Q(name=wanted) | Q(short_name=wanted))[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise CommandError(f"“{wanted}”对应多个单位，请填写单位全称。")
        known = list(Department.objects.order_by("name").values_list("short_name", flat=True)[:40])
        if not known:
            raise CommandError("尚无任何单位：请先运行 python manage.py seed 载入参考数据。")
        raise CommandError(f"没有名称或简称为“{wanted}”的单位。可用的单位简称：{'、'.join(s for s in known if s)}。")

    def _password(self, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"--noinput 时须由环境变量 {PASSWORD_VARIABLE} 提供密码。")
            return password
        if not sys.stdin.isatty():
            raise CommandError(f"没有可输入密码的终端：请在终端中运行，或用 --noinput 并由环境变量 {PASSWORD_VARIABLE} 提供密码。")
        password = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != password:
            raise CommandError("两次输入的密码不一致，未创建账号。")
        if not password:
            raise CommandError("密码不能为空，未创建账号。")
        return password
