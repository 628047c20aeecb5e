from django.apps import AppConfig


class LandConfig(AppConfig):
    name = "apps.land"
    verbose_name = "征地拆迁"
