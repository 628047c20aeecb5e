from .views import MilestoneViewSet


def register(router) -> None:
    router.register("milestones", MilestoneViewSet, basename="milestone")
