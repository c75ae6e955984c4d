-- A user's e-mail address: where run-end notices go (issue 14, "Notices").
-- Empty: the user cannot ask for e-mail notices.
ALTER TABLE auth_users ADD COLUMN email TEXT NOT NULL DEFAULT '';
