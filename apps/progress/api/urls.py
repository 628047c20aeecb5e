from .views import ProgressReportViewSet


def register(router) -> None:
    router.register("progress-reports", ProgressReportViewSet, basename="progress-report")
