-- The delivery settings of a fire, taken when it queued its run: destinations
-- (secrets sealed, as in schedules.destinations), format and file name. A run
-- queued before a schedule is edited delivers where the schedule pointed when
-- it fired (issue 11). NULL for fires made before this step: they deliver with
-- the schedule's current settings, as before.
ALTER TABLE schedule_fires ADD COLUMN config TEXT;
