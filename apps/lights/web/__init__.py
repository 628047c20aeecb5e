"""我的清单 (each user's overdue and due-soon items, 督办): a way in beside the lights API, whose
due-item registry and lists it reads."""
