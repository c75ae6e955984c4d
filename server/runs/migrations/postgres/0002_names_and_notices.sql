-- The run's filters in words as they were at request time (issue 12, "Runs
-- carry names"): a JSON list of {name, label, value, value_label}, labels in
-- pt-BR and English, so a renamed wallet keeps the name the run was asked with.
-- Empty for runs recorded before this version.
ALTER TABLE runs ADD COLUMN filter_labels TEXT;

-- Notices when a run ends (issue 14): origin is 'request' (someone asked for
-- it) or 'schedule'; notify lists the notices its requester asked for
-- ('email' or ''), in notify_lang; notified_at is set by the one instance that
-- sent them, so a run is noticed once.
ALTER TABLE runs ADD COLUMN origin TEXT NOT NULL DEFAULT 'request';
ALTER TABLE runs ADD COLUMN notify TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN notify_lang TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN notified_at BIGINT;

-- Rows so far of a processing run, saved by its worker about once a second, so
-- every instance's API shows the progress of a run another one executes.
ALTER TABLE runs ADD COLUMN rows_so_far BIGINT;
