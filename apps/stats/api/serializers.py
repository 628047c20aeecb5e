from rest_framework import serializers

MONEY = {"max_digits": 16, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 2, "allow_null": True}


class FiguresSerializer(serializers.Serializer):
    project_count = serializers.IntegerField(help_text="项目数")
    annual_plan = serializers.DecimalField(**MONEY, help_text="年度计划投资（万元）")
    ytd_completed = serializers.DecimalField(**MONEY, help_text="年初至报告期完成投资（万元，仅已审核月报）")
    cumulative_completed = serializers.DecimalField(**MONEY, help_text="累计完成投资（万元）")
    completion_rate = serializers.DecimalField(**RATE, help_text="年度完成率（%）")
    time_progress = serializers.DecimalField(**RATE, help_text="序时进度（%）")
    gap_points = serializers.DecimalField(**RATE, help_text="超（欠）序时进度（百分点，负数为落后）")
    new_start_planned = serializers.IntegerField(help_text="计划新开工项目数")
    new_start_started = serializers.IntegerField(help_text="已开工的计划新开工项目数")
    continuing = serializers.IntegerField(help_text="续建（含当年竣工）项目数")
    continuing_resumed = serializers.IntegerField(help_text="已复工的续建项目数")
    start_rate = serializers.DecimalField(**RATE, help_text="开工率（%）")
    start_resume_rate = serializers.DecimalField(**RATE, help_text="开复工率（%）")
    over_5m_count = serializers.IntegerField(help_text="已开（复）工的500万元以上项目数")
    over_5m_investment = serializers.DecimalField(**MONEY, help_text="其计划总投资（万元）")
    over_100m_count = serializers.IntegerField(help_text="已开（复）工的亿元以上项目数")
    over_100m_investment = serializers.DecimalField(**MONEY, help_text="其计划总投资（万元）")
    lights = serializers.DictField(child=serializers.IntegerField(), help_text="各预警灯项目数：green/yellow/red")


class GroupFiguresSerializer(FiguresSerializer):
    key = serializers.CharField(help_text="分组键（类别编码或ID）")
    label = serializers.CharField(help_text="分组名称")


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="年度")
    month = serializers.IntegerField(help_text="报告期月份")
    total = FiguresSerializer(help_text="全部项目")
    group_by = serializers.CharField(allow_null=True, help_text="分组方式")
    groups = GroupFiguresSerializer(many=True, help_text="分组统计（未分组时为空）")


class SummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, help_text="年度，默认为最近报告期所在年度")
    month = serializers.IntegerField(min_value=1, max_value=12, required=False, help_text="报告期月份，默认为上月")
    group_by = serializers.ChoiceField(
        choices=("category", "department", "region", "leader"), required=False, help_text="按类别、牵头单位、区划或包保领导分组"
    )
