from .views import LandAcquisitionViewSet


def register(router) -> None:
    router.register("land-acquisitions", LandAcquisitionViewSet, basename="land-acquisition")
