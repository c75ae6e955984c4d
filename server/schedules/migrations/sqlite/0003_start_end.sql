-- A schedule's first and last moment (issue 14: "once on 05/12 at 07:00",
-- "until 30/06"): Unix microseconds, NULL when not set. A recurrence fires
-- at or after starts_at and never after ends_at; "once" fires at starts_at.
ALTER TABLE schedules ADD COLUMN starts_at INTEGER;
ALTER TABLE schedules ADD COLUMN ends_at INTEGER;
