from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks and the load test with their commands (`manage.py bench`, `loadtest`): a tool
    over the whole system, outside apps/ and its layers, which import nothing from here."""

    name = "bench"
    verbose_name = "性能基准与压测"
