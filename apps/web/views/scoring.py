"""Pages of apps.scoring (filled in by its own change)."""

urlpatterns: list = []
