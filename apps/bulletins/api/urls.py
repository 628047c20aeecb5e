from .views import BulletinViewSet


def register(router) -> None:
    router.register("bulletins", BulletinViewSet, basename="bulletin")
