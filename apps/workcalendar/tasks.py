import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from .services import known_years

logger = logging.getLogger(__name__)


@shared_task(ignore_result=False)
def check_calendar_coverage_task() -> dict[str, object]:
    """Warn when next year's calendar is missing, so the office enters the new 调休 in time."""
    today: dt.date = timezone.localdate()
    years = known_years()
    missing = [y for y in (today.year, today.year + 1) if y not in years]
    if missing:
        logger.warning("工作日历缺少以下年份的节假日数据：%s。请在后台“工作日历”中录入。", "、".join(map(str, missing)))
    return {"known_years": years, "missing": missing}
