"""The 考核评分 pages: a way in beside the scoring API."""
