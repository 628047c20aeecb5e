from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "apps.bulletins"
    verbose_name = "月度通报"
