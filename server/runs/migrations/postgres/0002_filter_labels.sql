-- The run's filters in words as they were at request time (issue 12, "Runs
-- carry names"): a JSON list of {name, label, value, value_label}, labels in
-- pt-BR and English, so a renamed wallet keeps the name the run was asked with.
-- Empty for runs recorded before this version.
ALTER TABLE runs ADD COLUMN filter_labels TEXT;
