from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "apps.api"
    label = "api"
    # No models: the API is a way in; its tokens are accounts' (apps.accounts.models.ApiToken).
    verbose_name = "接口"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - schema registers the OpenAPI extension
