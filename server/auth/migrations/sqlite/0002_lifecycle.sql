-- Users and tokens get a lifecycle (issue 11): a user can be disabled (its
-- tokens stop working); a token has an id to list and revoke it by (the hash
-- stays the secret's only trace), an optional name and an optional expiry.
-- Tokens issued before this step get an id from their hash's first 16 hex
-- digits: listing and revoking them works like for new ones.
ALTER TABLE auth_users ADD COLUMN disabled_at TIMESTAMP;
ALTER TABLE auth_tokens ADD COLUMN id TEXT;
ALTER TABLE auth_tokens ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_tokens ADD COLUMN expires_at TIMESTAMP;
UPDATE auth_tokens SET id = 'tk_' || substr(hash, 1, 16) WHERE id IS NULL;
CREATE UNIQUE INDEX auth_tokens_id ON auth_tokens (id);
CREATE INDEX auth_tokens_user ON auth_tokens (user_id);
