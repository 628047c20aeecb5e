"""Default scoring schemes (DOMAIN.md §15) for the demo year, one per target kind. Seeded once: a
scheme or item is created the first time only; one the office edited, renamed or deleted stays so."""

from __future__ import annotations

from apps.core.seeding import seed_once

from .models import AssessmentItem, AssessmentScheme, Method, TargetKind

RATIO_ITEM = {
    "name": "年度投资完成率",
    "method": Method.RATIO,
    "params": {"measure": "completion_rate", "mode": "step", "step_pct": 2, "step_points": 1},
    "base_score": 60,
    "cap_plus": 15,
    "cap_minus": 15,
}
BAND_ITEM = {
    "name": "序时进度完成情况",
    "method": Method.BAND,
    "params": {
        "measure": "schedule_rate",
        "below_per_point": 0.1,
        "bands": [{"from": 100, "to": 130, "per_point": 0.2}, {"from": 130, "to": None, "per_point": 0.1}],
    },
    "base_score": 20,
    "cap_plus": 10,
    "cap_minus": 10,
}
RANK_ITEM = {
    "name": "开复工率排名",
    "method": Method.RANK,
    "params": {
        "measure": "start_resume_rate",
        "bands": [{"to_rank": 3, "points": 5}, {"to_rank": 6, "points": 3}, {"to_rank": 10, "points": 1}],
    },
    "base_score": 0,
    "cap_plus": None,
    "cap_minus": None,
}
DEDUCT_ITEM = {
    "name": "扣分事项",
    "method": Method.DEDUCT,
    "params": {"rule": "late_start", "points_each": 3, "manual": True},
    "base_score": 0,
    "cap_plus": None,
    "cap_minus": 20,
}

DEFAULT_SCHEMES = {
    TargetKind.DEPARTMENT: (
        "部门重点项目建设绩效考核",
        "按牵头单位统计。完成率每超（少）2%加（减）1分，最多加减15分；序时进度分档加减分，最多加减10分；"
        "开复工率前3名加5分、4–6名加3分、7–10名加1分；每个新开工、续建项目分别加5、2分；未按期开工每项目扣3分，另计项目办录入的扣分。",
        [
            RATIO_ITEM,
            BAND_ITEM,
            RANK_ITEM,
            {
                "name": "项目建设个数",
                "method": Method.PER_PROJECT,
                "params": {"by": "role", "points": {"new": 5, "cont": 2}, "started_only": True},
                "base_score": 0,
                "cap_plus": 20,
                "cap_minus": None,
            },
            DEDUCT_ITEM,
        ],
    ),
    TargetKind.REGION: (
        "乡镇街道重点项目建设绩效考核",
        "按项目所在乡镇（街道）/园区统计（含下级区划）。完成率、序时进度、开复工率排名同部门方案；"
        "项目规模按年度计划投资10亿元以上、5–10亿元、1–5亿元、1亿元以下每个项目加20、10、6、3分，最多加40分；扣分同部门方案。",
        [
            RATIO_ITEM,
            BAND_ITEM,
            RANK_ITEM,
            {
                "name": "项目规模",
                "method": Method.PER_PROJECT,
                "params": {
                    "by": "size",
                    "bands": [
                        {"min": 100000, "points": 20},
                        {"min": 50000, "points": 10},
                        {"min": 10000, "points": 6},
                        {"min": 0, "points": 3},
                    ],
                },
                "base_score": 0,
                "cap_plus": 40,
                "cap_minus": None,
            },
            DEDUCT_ITEM,
        ],
    ),
}


def load_scoring_schemes(year: int) -> int:
    """Create the default schemes of `year` that were never seeded; returns how many schemes exist for it."""
    for kind, (name, note, items) in DEFAULT_SCHEMES.items():
        scheme = seed_once(AssessmentScheme, {"year": year, "target_kind": kind}, {"name": name, "note": note})
        if scheme is None:
            continue  # the office removed this scheme
        for order, spec in enumerate(items, start=1):
            seed_once(
                AssessmentItem, {"scheme": scheme, "name": spec["name"]}, {"order": order, **{k: v for k, v in spec.items() if k != "name"}}
            )
    return AssessmentScheme.objects.filter(year=year).count()
