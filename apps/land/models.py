from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from apps.core.constraints import CheckConstraint
from apps.core.models import MoneyField
from apps.core.versioning import Versioned


class LandApprovalStatus(models.TextChoices):
    PRE_NOTICE = "01", "征收土地预公告"
    SURVEY = "02", "土地现状调查"
    RISK = "03", "社会稳定风险评估"
    PLAN = "04", "拟定征地补偿安置方案"
    PLAN_NOTICE = "05", "方案公告/听证"
    REGISTRATION = "06", "补偿登记"
    AGREEMENT = "07", "签订征地补偿安置协议"
    DEPOSIT = "08", "补偿费用足额预存"
    FILING = "09", "组卷报批"
    APPROVED = "10", "取得征地批文"
    NOTICE = "11", "征收土地公告"
    PAYMENT = "12", "支付补偿"
    DELIVERED = "13", "交地/清表"


class SupplyMode(models.TextChoices):
    ALLOCATION = "allocation", "划拨"
    AUCTION = "auction", "出让（招拍挂）"
    AGREEMENT = "agreement", "协议出让"
    LEASE = "lease", "租赁"


def _area(label: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=2, default=Decimal("0"))


class LandAcquisition(Versioned):
    """征地拆迁任务：按项目或地块记录面积、户数、补偿资金."""

    project = models.ForeignKey("projects.Project", verbose_name="项目", on_delete=models.CASCADE, related_name="land_acquisitions")
    parcel_name = models.CharField("地块/片区", max_length=100)
    region = models.ForeignKey(
        "organization.Region", verbose_name="所在乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    required_area_mu = _area("应征收面积（亩）")
    acquired_area_mu = _area("已征收面积（亩）")
    cleared_area_mu = _area("已清表面积（亩）")
    land_households_total = models.PositiveIntegerField("涉及征地户数", default=0)
    land_households_signed = models.PositiveIntegerField("已签征地协议户数", default=0)
    demolish_households_total = models.PositiveIntegerField("应拆迁户数", default=0)
    demolish_signed = models.PositiveIntegerField("已签拆迁协议户数", default=0)
    demolished = models.PositiveIntegerField("已拆除户数", default=0)
    compensation_due = MoneyField("应付补偿资金（万元）", default=Decimal("0"))
    compensation_paid = MoneyField("已拨付补偿资金（万元）", default=Decimal("0"))
    approval_status = models.CharField(
        "土地报批进度", max_length=2, choices=LandApprovalStatus.choices, default=LandApprovalStatus.PRE_NOTICE
    )
    approval_doc_no = models.CharField("征地批文号", max_length=100, blank=True)
    approval_date = models.DateField("批复日期", null=True, blank=True)
    supply_mode = models.CharField("供地方式", max_length=10, choices=SupplyMode.choices, blank=True)
    supplied_date = models.DateField("供地日期", null=True, blank=True)
    remarks = models.TextField("备注", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    history = HistoricalRecords(verbose_name="征拆变更历史")

    class Meta:
        verbose_name = "征地拆迁"
        verbose_name_plural = "征地拆迁"
        ordering = ("project", "parcel_name")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "parcel_name"], name="land_unique_parcel_per_project", violation_error_message="该项目已有同名地块。"
            ),
            CheckConstraint(
                name="land_areas_gte_0",
                condition=Q(required_area_mu__gte=0, acquired_area_mu__gte=0, cleared_area_mu__gte=0),
                violation_error_message="面积不能为负数。",
            ),
            CheckConstraint(
                name="land_acquired_lte_required",
                condition=Q(acquired_area_mu__lte=F("required_area_mu")),
                violation_error_message="已征收面积不能大于应征收面积。",
            ),
            CheckConstraint(
                name="land_cleared_lte_required",
                condition=Q(cleared_area_mu__lte=F("required_area_mu")),
                violation_error_message="已清表面积不能大于应征收面积。",
            ),
            CheckConstraint(
                name="land_signed_lte_total",
                condition=Q(land_households_signed__lte=F("land_households_total")),
                violation_error_message="已签征地协议户数不能大于涉及户数。",
            ),
            CheckConstraint(
                name="land_demolish_signed_lte_total",
                condition=Q(demolish_signed__lte=F("demolish_households_total")),
                violation_error_message="已签拆迁协议户数不能大于应拆迁户数。",
            ),
            CheckConstraint(
                name="land_demolished_lte_total",
                condition=Q(demolished__lte=F("demolish_households_total")),
                violation_error_message="已拆除户数不能大于应拆迁户数。",
            ),
            CheckConstraint(
                name="land_compensation_gte_0",
                condition=Q(compensation_due__gte=0, compensation_paid__gte=0),
                violation_error_message="补偿资金不能为负数。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}｜{self.parcel_name}"

    @staticmethod
    def _rate(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))

    @property
    def acquisition_rate(self) -> Decimal | None:
        """征收完成率（%）."""
        return self._rate(self.acquired_area_mu, self.required_area_mu)

    @property
    def signing_rate(self) -> Decimal | None:
        """签约率（%）."""
        return self._rate(self.land_households_signed, self.land_households_total)

    @property
    def payment_rate(self) -> Decimal | None:
        """资金拨付率（%）."""
        return self._rate(self.compensation_paid, self.compensation_due)
