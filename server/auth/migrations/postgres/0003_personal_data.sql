-- Personal data under control (issue 17): a user may see personal columns
-- (names, phones, e-mails, documents, IPs, free text) whole only when an admin
-- gave it the personal_data permission; without it they are masked and the
-- extractions refuse to run. 0 = not given (every existing user), 1 = given.
ALTER TABLE auth_users ADD COLUMN personal_data INTEGER NOT NULL DEFAULT 0;
