from django.apps import AppConfig


class LightsConfig(AppConfig):
    name = "apps.lights"
    verbose_name = "红黄绿灯预警规则"
