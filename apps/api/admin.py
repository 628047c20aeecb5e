from django.contrib import admin, messages
from django.utils import timezone

from apps.accounts.policy import require
from apps.core.admin import PolicyAdmin, run_service

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyAdmin):
    list_display = ("name", "user", "scope", "prefix", "expires_at", "revoked_at", "last_used_at", "created_at")
    list_filter = ("scope",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "last_used_at", "created_at")
    fields = ("name", "user", "scope", "expires_at", "revoked_at", "prefix", "last_used_at", "created_at")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    def get_readonly_fields(self, request, obj=None):
        # An issued token keeps its account; revoking is the action (an un-revoke would be a back door).
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "user", "revoked_at") if obj is not None else fields

    def service_create(self, request, obj, form):
        require(request.user, "create", obj)
        token, key = ApiToken.issue(user=obj.user, name=obj.name, scope=obj.scope, expires_at=obj.expires_at)
        # Shown once: only the hash is stored.
        messages.warning(request, f"令牌已签发，请立即复制保存（只显示这一次）：{key}")
        return token

    def has_revoke_permission(self, request) -> bool:
        return self.has_verb_permission(request, "revoke")

    @admin.action(description="吊销所选令牌", permissions=["revoke"])
    def revoke(self, request, queryset):
        def revoke_one(token: ApiToken) -> None:
            require(request.user, "revoke", token)
            if token.revoked_at is None:
                ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

        run_service(request, queryset, revoke_one, "已吊销{count}个令牌。")
