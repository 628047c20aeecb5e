from django.apps import AppConfig


class Oc4idsConfig(AppConfig):
    name = "apps.oc4ids"
    verbose_name = "OC4IDS 开放数据"
