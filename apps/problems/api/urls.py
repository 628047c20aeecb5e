from .views import ProblemViewSet, SupervisionNoticeViewSet


def register(router) -> None:
    router.register("problems", ProblemViewSet, basename="problem")
    router.register("supervision-notices", SupervisionNoticeViewSet, basename="supervision-notice")
