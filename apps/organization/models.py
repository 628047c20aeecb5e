from django.core.validators import RegexValidator
from django.db import models

from apps.core.versioning import Versioned


class RegionKind(models.TextChoices):
    COUNTY = "county", "县（区）"
    TOWN = "town", "乡镇"
    STREET = "street", "街道"
    PARK = "park", "园区"


class Region(Versioned):
    """行政区划：县区、乡镇（街道）、园区."""

    code = models.CharField(
        "行政区划代码",
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^(\d{6}|\d{9}|\d{12})$", "行政区划代码应为6、9或12位数字。")],
    )
    name = models.CharField("名称", max_length=60)
    kind = models.CharField("类型", max_length=10, choices=RegionKind.choices)
    parent = models.ForeignKey("self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划（乡镇街道/园区）"
        ordering = ("sort_order", "code")

    def __str__(self) -> str:
        return self.name


class DepartmentKind(models.TextChoices):
    BUREAU = "bureau", "政府部门"
    TOWN = "town", "乡镇（街道）"
    PARK = "park", "园区管委会"
    SOE = "soe", "国有企业/平台公司"
    OTHER = "other", "其他单位"


class Department(Versioned):
    """责任单位（部门、乡镇、园区、平台公司）."""

    name = models.CharField("单位名称", max_length=80, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("单位类型", max_length=10, choices=DepartmentKind.choices, default=DepartmentKind.BUREAU)
    region = models.ForeignKey(Region, verbose_name="所在区划", null=True, blank=True, on_delete=models.PROTECT, related_name="departments")
    is_portfolio_office = models.BooleanField("是否项目办（发改局）", default=False)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return self.name


class Leader(Versioned):
    """县（区）级领导岗位。只记职务，不记个人姓名（演示数据亦然）."""

    position = models.CharField("职务", max_length=60, unique=True)
    portfolio = models.CharField("分管工作", max_length=200, blank=True)
    is_principal = models.BooleanField("是否主要领导（书记/县长）", default=False)
    is_active = models.BooleanField("在任", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "县级领导"
        verbose_name_plural = "县级领导（包保领导）"
        ordering = ("sort_order", "position")

    def __str__(self) -> str:
        return self.position
