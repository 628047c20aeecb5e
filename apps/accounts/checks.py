"""`manage.py check --deploy`: no demo account may still sign in with the published demo password.

Which accounts: the demo's usernames (apps/accounts/demo.py), active ones only — a deactivated
account cannot sign in. Checking every account's password instead would cost one PBKDF2 hash per
account (Django's 1 000 000 iterations: 6 took 4.35 s on our busy 2-core machine), minutes for a
county's few hundred accounts; and no other account can carry the demo password, since the
validators refuse it as a new password and generate_portfolio's accounts have unusable ones.

An unreachable database (or one not migrated yet) skips the check without a message, as Django's
own database checks are skipped without a database: `check --deploy` also runs where no production
database is (the image build, tests/core/test_deploy_settings.py), and a server on that database
lets nobody sign in at all. Run it where the production database is reachable before going live.
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from .demo import DEMO_PASSWORD, DEMO_USERNAMES


@register(Tags.security, deploy=True)
def demo_accounts_check(app_configs=None, **kwargs) -> list[CheckMessage]:
    if app_configs is not None and not any(config.label == "accounts" for config in app_configs):
        return []
    from .models import User

    try:
        accounts = dict(User.objects.filter(username__in=DEMO_USERNAMES, is_active=True).values_list("username", "password"))
    except DatabaseError:
        return []
    # hashers.check_password, not User.check_password: that one re-hashes an outdated hash and saves
    # the row, and a check must not write.
    found = [name for name in DEMO_USERNAMES if name in accounts and check_password(DEMO_PASSWORD, accounts[name])]
    if not found:
        return []
    return [
        Error(
            f"演示账号仍使用公开的演示密码 {DEMO_PASSWORD}：{'、'.join(found)}（demo accounts still use the published demo password）。",
            hint=(
                "上线前逐一处理：用该账号登录后在“修改密码”页面改密，或由项目办在“用户密码”页面重置；"
                "不再需要的账号在管理后台“用户”中删除或停用（取消“有效”）。处理后再运行 manage.py check --deploy。"
            ),
            id="accounts.E001",
        )
    ]
