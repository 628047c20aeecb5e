from .views import DepartmentViewSet, LeaderViewSet, RegionViewSet


def register(router) -> None:
    router.register("regions", RegionViewSet, basename="region")
    router.register("departments", DepartmentViewSet, basename="department")
    router.register("leaders", LeaderViewSet, basename="leader")
