import datetime as dt

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.utils import timezone

from apps.core.admin import PolicyAdmin, run_service
from apps.core.services import instance_delete

from .lockout import account_limit, address_limit, cool_off
from .models import ApiToken, LoginFailure, LoginRecord, User, default_expiry
from .roles import user_join_role_group
from .services import token_issue, token_revoke


@admin.register(User)
class UserAdmin(PolicyAdmin, BaseUserAdmin):
    list_display = ("username", "__str__", "role", "department", "leader", "is_active")
    list_filter = ("role", "department", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "department__name")
    autocomplete_fields = ("department", "leader")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("角色与单位", {"fields": ("role", "department", "leader", "phone")}),
        ("密码", {"fields": ("must_change_password",)}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("角色与单位", {"fields": ("role", "department", "leader")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The office manages users (contacts, roles, passwords); only a superuser makes superusers.
        # The one-time password's flag is set by a reset and cleared by the user's own change only.
        fields = (*super().get_readonly_fields(request, obj), "must_change_password")
        if not request.user.is_superuser:
            fields += ("is_superuser", "user_permissions")
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A role without its group would open no menu: the role decides the group.
        user_join_role_group(form.instance)

    def user_change_password(self, request, id, form_url=""):
        # One way to set another user's password: the office's reset page (a one-time password the
        # user must change, their sessions ended, the policy asked), not the admin's own form.
        return redirect("web:user-password-reset", pk=id)


class LockedFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return (("yes", "锁定中"), ("no", "未锁定"))

    def queryset(self, request, queryset):
        # Rows annotated by LoginFailureAdmin.get_queryset with their address's failures.
        locked = Q(failures_since_start__gte=account_limit(), attempt_time__gte=timezone.now() - cool_off()) | Q(
            address_failures__gte=address_limit()
        )
        if self.value() == "yes":
            return queryset.filter(locked)
        if self.value() == "no":
            return queryset.exclude(locked)
        return queryset


@admin.register(LoginFailure)
class LoginFailureAdmin(PolicyAdmin):
    """Where the office unlocks: deleting a row (or the 解锁 action) clears that username+IP's count."""

    list_display = ("username_", "ip", "failures", "last_attempt", "path", "status")
    list_filter = (LockedFilter,)
    search_fields = ("username", "ip_address")
    actions = ("unlock", "unlock_address")

    def get_queryset(self, request):
        # Each row with the failures of its whole address inside the cool-off (the address limit),
        # in the list's one query rather than one per row.
        same_address = (
            AccessAttempt.objects.filter(ip_address=OuterRef("ip_address"), attempt_time__gte=timezone.now() - cool_off())
            .order_by()
            .values("ip_address")
            .annotate(total=Sum("failures_since_start"))
            .values("total")
        )
        return super().get_queryset(request).annotate(address_failures=Coalesce(Subquery(same_address), 0))

    @admin.display(description="用户名", ordering="username")
    def username_(self, obj: LoginFailure) -> str:
        return obj.username or ""

    @admin.display(description="网络地址", ordering="ip_address")
    def ip(self, obj: LoginFailure) -> str:
        return obj.ip_address or ""

    @admin.display(description="连续失败次数", ordering="failures_since_start")
    def failures(self, obj: LoginFailure) -> int:
        return obj.failures_since_start

    @admin.display(description="最近失败时间", ordering="attempt_time")
    def last_attempt(self, obj: LoginFailure) -> dt.datetime:
        return obj.attempt_time

    @admin.display(description="登录页面")
    def path(self, obj: LoginFailure) -> str:
        return obj.path_info

    @admin.display(description="状态")
    def status(self, obj: LoginFailure) -> str:
        states = []
        locked_until = obj.attempt_time + cool_off()
        if obj.failures_since_start >= account_limit() and locked_until > timezone.now():
            states.append(f"锁定至 {timezone.localtime(locked_until):%Y-%m-%d %H:%M}")
        if getattr(obj, "address_failures", 0) >= address_limit():
            states.append(f"所在地址已锁定（{cool_off().total_seconds() / 60:.0f} 分钟内共 {obj.address_failures} 次失败，该地址全部账号）")
        return "；".join(states) or "未锁定"

    def has_add_permission(self, request) -> bool:
        return False  # rows are written by failed logins only

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a count is evidence, not something to edit; unlocking deletes it

    def has_unlock_permission(self, request) -> bool:
        return self.has_delete_permission(request)

    @admin.action(description="解锁所选账号（清除失败次数）", permissions=["unlock"])
    def unlock(self, request, queryset):
        run_service(request, queryset, lambda row: instance_delete(actor=request.user, instance=row), "已解锁{count}条记录。")

    @admin.action(description="解锁所选记录的网络地址（清除该地址全部失败记录）", permissions=["unlock"])
    def unlock_address(self, request, queryset):
        addresses = {row.ip_address for row in queryset if row.ip_address}
        rows = LoginFailure.objects.filter(ip_address__in=addresses)
        run_service(request, rows, lambda row: instance_delete(actor=request.user, instance=row), "已解锁所选地址，清除{count}条记录。")


@admin.register(LoginRecord)
class LoginRecordAdmin(PolicyAdmin):
    list_display = ("username_", "ip", "login_time", "logout_time_", "path")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"

    @admin.display(description="用户名", ordering="username")
    def username_(self, obj: LoginRecord) -> str:
        return obj.username or ""

    @admin.display(description="网络地址", ordering="ip_address")
    def ip(self, obj: LoginRecord) -> str:
        return obj.ip_address or ""

    @admin.display(description="登录时间", ordering="attempt_time")
    def login_time(self, obj: LoginRecord) -> dt.datetime:
        return obj.attempt_time

    @admin.display(description="退出时间", ordering="logout_time")
    def logout_time_(self, obj: LoginRecord) -> dt.datetime | None:
        return obj.logout_time

    @admin.display(description="登录页面")
    def path(self, obj: LoginRecord) -> str:
        return obj.path_info

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an audit trail; `manage.py axes_reset_logs --age N` prunes old rows


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
