-- Users, their API tokens (SHA-256 hashes) and the audit trail: the schema the
-- auth store created inline before it was versioned. IF NOT EXISTS lets this first
-- step adopt a database made by those releases, which has the tables but no
-- auth_migrations record; later steps create without it.
CREATE TABLE IF NOT EXISTS auth_users (
  id TEXT PRIMARY KEY,
  tenant_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_tokens (
  hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES auth_users(id),
  created_at TIMESTAMP NOT NULL,
  revoked_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS audit_events (
  id TEXT PRIMARY KEY,
  tenant_id BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  detail TEXT NOT NULL,
  at TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_tenant_at ON audit_events (tenant_id, at);
