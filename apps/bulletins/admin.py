"""The office reads issued bulletins here (they are issued from /bulletins/, never edited) and
manages who receives them."""

from django.contrib import admin

from .models import Bulletin, BulletinSubscription


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ("title", "version", "as_of", "generated_at", "generated_by", "scheduled", "sent_at", "recipients")
    list_filter = ("year", "month", "scheduled")
    exclude = ("html", "figures")

    # A bulletin is a document as issued: no second way to write it besides bulletin_generate.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BulletinSubscription)
class BulletinSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "active", "updated_at")
    list_filter = ("active",)
    autocomplete_fields = ("user",)
