from django.urls import path

from .views import AssessmentSchemeViewSet, ScoreBoardView

urlpatterns = [path("scoring/board/", ScoreBoardView.as_view(), name="scoring-board")]


def register(router) -> None:
    router.register("scoring/schemes", AssessmentSchemeViewSet, basename="scoring-scheme")
