"""Pages of apps.bulletins (filled in by its own change)."""

urlpatterns: list = []
