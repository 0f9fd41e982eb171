"""English dates as the hub writes them ("1 Dec 2026", 24-hour clock), not Django's "Dec. 1, 2026, 9:05 a.m.".

Templates say `|date:"DATE_FORMAT"` (or DATETIME_FORMAT, MONTH_DAY_FORMAT) so Chinese gets "2026年12月1日".
"""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
