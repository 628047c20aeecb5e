import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from apps.core.admin import PolicyAdmin, run_service

from .models import ApiToken, default_expiry
from .services import token_issue, token_revoke


class ApiTokenForm(forms.ModelForm):
    # Not a model field: "forever" is a choice made on the add form, never a field left blank.
    never_expires = forms.BooleanField(
        label="长期有效", required=False, help_text="仅用于确需长期对接的系统；不勾选且未填过期时间时按系统默认有效期。"
    )

    class Meta:
        model = ApiToken
        fields = ("name", "user", "scope", "expires_at", "revoked_at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["never_expires"].initial = self.instance.expires_at is None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("never_expires") and cleaned.get("expires_at"):
            self.add_error("never_expires", "选择“长期有效”时请清空过期时间。")
        elif self.instance.pk is not None and not cleaned.get("never_expires") and not cleaned.get("expires_at"):
            # Clearing the date of an issued token would quietly make it eternal.
            self.add_error("expires_at", "请填写过期时间，或勾选“长期有效”。")
        return cleaned


class ValidityFilter(admin.SimpleListFilter):
    title = "有效期"
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return (("forever", "长期有效"), ("soon", "30天内到期"), ("expired", "已过期"))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "forever":
            return queryset.filter(expires_at__isnull=True)
        if self.value() == "soon":
            return queryset.filter(expires_at__gt=now, expires_at__lte=now + dt.timedelta(days=30))
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(PolicyAdmin):
    form = ApiTokenForm
    list_display = ("name", "user", "scope", "prefix", "status", "expiry", "last_used", "created_at")
    list_filter = ("scope", ValidityFilter)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("prefix", "last_used_at", "created_at")
    fields = ("name", "user", "scope", "expires_at", "revoked_at", "prefix", "last_used_at", "created_at")
    autocomplete_fields = ("user",)
    actions = ("revoke",)

    @admin.display(description="状态")
    def status(self, obj: ApiToken) -> str:
        if obj.revoked_at is not None:
            return "已吊销"
        if obj.expires_at is None:
            return "有效（长期）"
        if obj.expires_at <= timezone.now():
            return "已过期"
        return "有效"

    @admin.display(description="过期时间", ordering="expires_at")
    def expiry(self, obj: ApiToken) -> str:
        return "长期有效" if obj.expires_at is None else f"{timezone.localtime(obj.expires_at):%Y-%m-%d %H:%M}"

    @admin.display(description="最近使用", ordering="last_used_at")
    def last_used(self, obj: ApiToken) -> str:
        return "从未使用" if obj.last_used_at is None else f"{timezone.localtime(obj.last_used_at):%Y-%m-%d %H:%M}"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "user", "scope", "expires_at", "never_expires")
        return ("name", "user", "scope", "expires_at", "never_expires", "revoked_at", "prefix", "last_used_at", "created_at")

    def get_changeform_initial_data(self, request):
        # The issuer sees the default expiry on the add form and may change it.
        return {**super().get_changeform_initial_data(request), "expires_at": default_expiry()}

    def get_readonly_fields(self, request, obj=None):
        # An issued token keeps its account; revoking is the action (an un-revoke would be a back door).
        fields = tuple(super().get_readonly_fields(request, obj))
        return (*fields, "user", "revoked_at") if obj is not None else fields

    def service_create(self, request, obj, form):
        token, key = token_issue(
            actor=request.user,
            user=obj.user,
            name=obj.name,
            scope=obj.scope,
            expires_at=obj.expires_at,
            never_expires=form.cleaned_data.get("never_expires", False),
        )
        # Shown once: only the hash is stored.
        validity = "长期有效" if token.expires_at is None else f"有效期至 {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}"
        messages.warning(request, f"令牌已签发（{validity}），请立即复制保存（只显示这一次）：{key}")
        return token

    def has_revoke_permission(self, request) -> bool:
        return self.has_verb_permission(request, "revoke")

    @admin.action(description="吊销所选令牌", permissions=["revoke"])
    def revoke(self, request, queryset):
        run_service(request, queryset, lambda token: token_revoke(actor=request.user, token=token), "已吊销{count}个令牌。")
