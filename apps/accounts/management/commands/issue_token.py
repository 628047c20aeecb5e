import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.models import TokenScope, User
from apps.accounts.services import token_issue


class Command(BaseCommand):
    help = (
        "为对接系统签发接口令牌：--user 用户名 --name 用途 [--scope read|read_write] "
        "[--days 有效天数 | --never-expires]。不指定有效期时按系统默认（API_TOKEN_DEFAULT_DAYS）。令牌只显示一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="令牌所属用户（决定角色与可见范围）")
        parser.add_argument("--name", required=True, help="用途或对接系统名称，如“统计局数据平台”")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ, help="read 只读（默认）或 read_write 读写")
        validity = parser.add_mutually_exclusive_group()
        validity.add_argument(
            "--days", type=int, default=None, help=f"有效天数；不填为系统默认（当前 {settings.API_TOKEN_DEFAULT_DAYS} 天）"
        )
        # Deliberate and visible in the shell history: a forever token is never the default.
        validity.add_argument("--never-expires", action="store_true", help="长期有效（仅用于确需长期对接的系统，请定期复核）")

    def handle(self, *args, user: str, name: str, scope: str, days: int | None, never_expires: bool, **options):
        owner = User.objects.filter(username=user).first()
        if owner is None:
            raise CommandError(f"用户“{user}”不存在。")
        if days is not None and days <= 0:
            raise CommandError("有效天数必须大于0。")
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        token, key = token_issue(actor=None, user=owner, name=name, scope=scope, expires_at=expires, never_expires=never_expires)
        self.stdout.write(key)
        validity = "长期有效" if token.expires_at is None else "有效期至" + timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stderr.write(f"已签发“{name}”（{token.get_scope_display()}，{validity}）。令牌只显示这一次。")
