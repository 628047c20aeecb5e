from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the deploy check
        from .middleware import stamp_session

        user_logged_in.connect(stamp_session, dispatch_uid="accounts.stamp_session")

        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        from . import rules

        rules.register()
