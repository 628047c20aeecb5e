from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "apps.milestones"
    verbose_name = "审批要件与建设节点"
