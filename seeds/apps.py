from django.apps import AppConfig


class SeedsConfig(AppConfig):
    """The reference data, the demo ledger and the generated benchmark ledger with their commands
    (`manage.py seed`, `generate_portfolio`): they fill every app, so they sit outside apps/ and its
    layers, which import nothing from here."""

    name = "seeds"
    verbose_name = "参考数据与演示数据"
