from .views import NotificationPreferenceViewSet, NotificationViewSet, ReminderDeliveryViewSet


def register(router) -> None:
    router.register("reminder-deliveries", ReminderDeliveryViewSet, basename="reminder-delivery")
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("notification-preferences", NotificationPreferenceViewSet, basename="notification-preference")
