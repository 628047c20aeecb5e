from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"
    verbose_name = "接口与令牌"

    def ready(self) -> None:
        from . import rules, schema  # noqa: F401 - schema registers the OpenAPI extension

        # Object rules: this app's rules.py into apps.accounts.policy's registry.
        rules.register()
