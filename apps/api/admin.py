from django.contrib import admin, messages

from .models import ApiToken, hash_key


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "scope", "prefix", "expires_at", "revoked_at", "last_used_at", "created_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "last_used_at", "created_at")
    fields = ("name", "user", "scope", "expires_at", "revoked_at", "prefix", "last_used_at", "created_at")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def save_model(self, request, obj, form, change):
        if not change:
            import secrets

            key = secrets.token_urlsafe(32)
            obj.prefix, obj.key_hash = key[:8], hash_key(key)
            super().save_model(request, obj, form, change)
            # Shown once: only the hash is stored.
            messages.warning(request, f"令牌已签发，请立即复制保存（只显示这一次）：{key}")
            return
        super().save_model(request, obj, form, change)

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"已吊销{count}个令牌。")
