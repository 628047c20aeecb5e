from .views import AnnualPlanViewSet, ProjectViewSet


def register(router) -> None:
    router.register("projects", ProjectViewSet, basename="project")
    router.register("annual-plans", AnnualPlanViewSet, basename="annual-plan")
