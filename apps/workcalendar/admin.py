from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from apps.core.admin import PolicyAdmin

from .models import CalendarDay, CalendarYear
from .services import calendar_day_save, calendar_year_mark_complete


@admin.register(CalendarDay)
class CalendarDayAdmin(PolicyAdmin):
    list_display = ("date", "weekday", "kind", "name", "source", "note")
    list_filter = ("kind", "source", ("date", admin.DateFieldListFilter))
    date_hierarchy = "date"
    search_fields = ("name", "note")

    def service_create(self, request, obj, form):
        return calendar_day_save(actor=request.user, day=obj)

    def service_update(self, request, obj, form):
        return calendar_day_save(actor=request.user, day=obj)

    @admin.display(description="星期")
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]


@admin.register(CalendarYear)
class CalendarYearAdmin(PolicyAdmin):
    """Years are completed only through the service (a year with no entered day cannot be completed)."""

    list_display = ("year", "complete", "entered_days", "source", "marked_by", "marked_at")
    list_filter = ("complete", "source")
    fields = ("year", "complete", "source", "marked_by", "marked_at")
    readonly_fields = ("complete", "source", "marked_by", "marked_at")
    actions = ("mark_complete", "mark_incomplete")

    def get_queryset(self, request):
        days = CalendarDay.objects.filter(date__year=OuterRef("year")).values("date__year").annotate(n=Count("id")).values("n")
        return super().get_queryset(request).annotate(entered=Coalesce(Subquery(days, output_field=IntegerField()), 0))

    @admin.display(description="已录入天数", ordering="entered")
    def entered_days(self, obj: CalendarYear) -> int:
        return obj.entered

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _mark(self, request, queryset, complete: bool) -> None:
        for row in queryset:
            try:
                calendar_year_mark_complete(actor=request.user, year=row.year, complete=complete)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, f"{row.year}年已标记为{'已完整录入' if complete else '未完整录入'}。")

    @admin.action(description="标记为已完整录入（全年节假日和调休都已录入）", permissions=["change"])
    def mark_complete(self, request, queryset) -> None:
        self._mark(request, queryset, True)

    @admin.action(description="取消完整标记", permissions=["change"])
    def mark_incomplete(self, request, queryset) -> None:
        self._mark(request, queryset, False)
