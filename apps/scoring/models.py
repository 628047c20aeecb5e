"""绩效考核 (DOMAIN.md §15): a scheme per year and target kind, its scored items, and the office's
manual deductions. Scores themselves are not stored: `selectors.score_board` computes them live
from the ledger, so an approved report or a new deduction shows on the next page load."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.core.constraints import CheckConstraint
from apps.core.versioning import Versioned

from . import methods


class TargetKind(models.TextChoices):
    DEPARTMENT = "department", "部门"
    REGION = "region", "乡镇街道"


class Method(models.TextChoices):
    RATIO = methods.RATIO, "完成计划比例（超少按比例加减分）"
    BAND = methods.BAND, "分档加减分"
    RANK = methods.RANK, "按名次得分"
    PER_PROJECT = methods.PER_PROJECT, "按项目个数得分"
    DEDUCT = methods.DEDUCT, "扣分"


class AssessmentScheme(Versioned):
    year = models.PositiveSmallIntegerField("考核年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    target_kind = models.CharField("考核对象", max_length=12, choices=TargetKind.choices)
    name = models.CharField("方案名称", max_length=100)
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ("-year", "target_kind")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "target_kind"],
                name="scoring_scheme_one_per_year_kind",
                violation_error_message="该年度已有同类考核对象的考核方案。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.name}"


class AssessmentItem(Versioned):
    scheme = models.ForeignKey(AssessmentScheme, verbose_name="考核方案", on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("序号", default=0)
    name = models.CharField("考核项目", max_length=100)
    method = models.CharField("计分方法", max_length=12, choices=Method.choices)
    params = models.JSONField(
        "计分参数",
        default=dict,
        blank=True,
        help_text='JSON。示例：完成计划比例 {"measure": "completion_rate", "mode": "step", "step_pct": 2, "step_points": 1}；'
        '分档 {"measure": "completion_rate", "below_per_point": 0.1, "bands": [{"from": 100, "to": 130, "per_point": 0.2}, '
        '{"from": 130, "to": null, "per_point": 0.1}]}；名次 {"measure": "completion_rate", "bands": [{"to_rank": 3, "points": 5}]}；'
        '项目个数 {"by": "role", "points": {"new": 5, "cont": 2}}；扣分 {"rule": "late_start", "points_each": 3, "manual": true}。',
    )
    base_score = models.DecimalField("基础分", max_digits=7, decimal_places=2, default=0, help_text="完成计划（或不加不减）时的得分。")
    cap_plus = models.DecimalField(
        "最多加分", max_digits=7, decimal_places=2, null=True, blank=True, help_text="在基础分上最多加几分；空为不限。"
    )
    cap_minus = models.DecimalField(
        "最多减分", max_digits=7, decimal_places=2, null=True, blank=True, help_text="在基础分上最多减几分；空为不限。"
    )

    class Meta:
        verbose_name = "考核项目"
        verbose_name_plural = "考核项目"
        ordering = ("scheme", "order", "id")
        constraints = [
            CheckConstraint(
                name="scoring_item_caps_gte_0",
                condition=(Q(cap_plus__isnull=True) | Q(cap_plus__gte=0)) & (Q(cap_minus__isnull=True) | Q(cap_minus__gte=0)),
                violation_error_message="最多加分、最多减分不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def parsed(self) -> dict:
        """The params as Decimals (validated on every save by clean)."""
        return methods.parse_params(self.method, self.params)

    @property
    def takes_manual_deductions(self) -> bool:
        return self.method == Method.DEDUCT and isinstance(self.params, dict) and self.params.get("manual") is True

    def clean(self) -> None:
        if self.method:
            methods.parse_params(self.method, self.params)
        if self.takes_manual_deductions and self.scheme_id:
            others = AssessmentItem.objects.filter(scheme_id=self.scheme_id, method=Method.DEDUCT, params__manual=True).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError({"params": ["一个考核方案只能有一个计入手工扣分的扣分项。"]})
        if self.pk and not self.takes_manual_deductions:
            was_manual = AssessmentItem.objects.filter(pk=self.pk, method=Method.DEDUCT, params__manual=True).exists()
            if was_manual and AssessmentDeduction.objects.filter(scheme_id=self.scheme_id).exists():
                raise ValidationError({"params": ['本方案已录入手工扣分，该扣分项须保留 "manual": true。']})


class AssessmentDeduction(Versioned):
    """A deduction the office enters by hand (e.g. 被上级通报批评), counted by the scheme's manual deduction item."""

    scheme = models.ForeignKey(AssessmentScheme, verbose_name="考核方案", on_delete=models.CASCADE, related_name="deductions")
    department = models.ForeignKey(
        "organization.Department", verbose_name="责任单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "organization.Region", verbose_name="乡镇街道", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField("扣分日期")
    points = models.DecimalField("扣分", max_digits=7, decimal_places=2)
    reason = models.CharField("扣分事由", max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "手工扣分"
        verbose_name_plural = "手工扣分"
        ordering = ("-date", "-id")
        constraints = [
            CheckConstraint(name="scoring_deduction_points_gt_0", condition=Q(points__gt=0), violation_error_message="扣分应大于0。"),
            CheckConstraint(
                name="scoring_deduction_one_target",
                condition=Q(department__isnull=False, region__isnull=True) | Q(department__isnull=True, region__isnull=False),
                violation_error_message="扣分对象应为一个责任单位或一个乡镇街道（二选一）。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_name} {self.date:%Y-%m-%d} 扣{self.points}分"

    @property
    def target_id(self) -> int | None:
        return self.department_id or self.region_id

    @property
    def target_name(self) -> str:
        target = self.department if self.department_id else self.region if self.region_id else None
        return str(target) if target else ""

    def clean(self) -> None:
        if not self.scheme_id:
            return
        kind = self.scheme.target_kind
        if kind == TargetKind.DEPARTMENT and (self.region_id or not self.department_id):
            raise ValidationError({"department": ["部门考核方案的扣分应选择责任单位（不填乡镇街道）。"]})
        if kind == TargetKind.REGION and (self.department_id or not self.region_id):
            raise ValidationError({"region": ["乡镇街道考核方案的扣分应选择乡镇街道（不填责任单位）。"]})
        if self.date and self.date.year != self.scheme.year:
            raise ValidationError({"date": [f"扣分日期应在考核年度（{self.scheme.year}年）内。"]})
        if not self.scheme.items.filter(method=Method.DEDUCT, params__manual=True).exists():
            raise ValidationError('该考核方案没有计入手工扣分的扣分项，请先添加（计分参数含 "manual": true）。')
