-- Personal data under control (issue 17): a user may see personal columns
-- (names, phones, e-mails, documents, IPs, free text) whole only when an admin
-- gave it the personal_data permission; without it they are masked and the
-- extractions refuse to run. 0 = not given (every existing user), 1 = given.
ALTER TABLE auth_users ADD COLUMN personal_data INTEGER NOT NULL DEFAULT 0;

-- A tenant may make a purpose mandatory for reading personal data unmasked
-- (LGPD art. 6 I): runs and downloads that would show personal columns whole
-- are refused without one. One row per tenant that changed a setting.
CREATE TABLE auth_tenant_settings (
    tenant_id BIGINT PRIMARY KEY,
    purpose_required INTEGER NOT NULL DEFAULT 0
);
