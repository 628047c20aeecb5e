"""Milestone notions, each defined once (the portfolio's are in `apps.projects.notions`).

- **Due this year** by a period: planned from 1 January of the period's year up to its end, but
  never on or after `today` (an item due today can still be done on time); 不涉及 milestones are no
  obligation; only milestones of live projects.
- **Done on time**: 已办结 with an actual date on or before the planned date.
- **逾期办结** (done late): 已办结 with an actual date after the planned date. Its light is green (it
  is settled) but every list, the dossier, the 通报 and scoring say 逾期办结.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from apps.projects.notions import live_q
from apps.workcalendar.periods import Period

from .models import Milestone, MilestoneStatus


def due_this_year_q(period: Period, today: dt.date, prefix: str = "") -> Q:
    """Milestones (prefix "", or "milestone__" from a related model) due in the period's year."""
    window_end = min(period.last_day + dt.timedelta(days=1), today)
    return (
        live_q(f"{prefix}project__")
        & Q(**{f"{prefix}planned_date__gte": period.year_start, f"{prefix}planned_date__lt": window_end})
        & ~Q(**{f"{prefix}status": MilestoneStatus.NOT_APPLICABLE})
    )


def done_on_time_q(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": MilestoneStatus.DONE,
            f"{prefix}actual_date__isnull": False,
            f"{prefix}actual_date__lte": F(f"{prefix}planned_date"),
        }
    )


def done_late_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": MilestoneStatus.DONE, f"{prefix}actual_date__gt": F(f"{prefix}planned_date")})


def is_done_late(milestone: Milestone) -> bool:
    return (
        milestone.status == MilestoneStatus.DONE
        and milestone.actual_date is not None
        and milestone.planned_date is not None
        and milestone.actual_date > milestone.planned_date
    )


DONE_LATE_LABEL = "逾期办结"
