"""The pages of the figures: 驾驶舱 (dashboard), 单位排名 (units) and the month close (closing), a
way in beside the stats API. Each page's figures come from this app's selectors and modules."""
