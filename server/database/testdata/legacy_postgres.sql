-- The control-plane schema as releases before the shared database runner left it:
-- runs (server/runs/migrations, recorded in schema_migrations), schedules (its own
-- runner, recorded in schedules_migrations with the file name) and auth (inline
-- CREATE TABLE IF NOT EXISTS, no record). Frozen: do not edit.
CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
-- Runs of reports and their per-key FIFO queue. Times are Unix microseconds (UTC),
-- the same in both dialects, so queue arithmetic is identical.
CREATE TABLE runs (
    seq               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- request order
    id                TEXT    NOT NULL UNIQUE,
    tenant_id         BIGINT  NOT NULL,
    report_id         TEXT    NOT NULL,
    report_version    INTEGER NOT NULL,
    filters_given     TEXT    NOT NULL,
    filters_resolved  TEXT    NOT NULL,
    user_id           TEXT    NOT NULL,
    queue_key         TEXT    NOT NULL,
    wallet            TEXT,
    channel           TEXT,
    event_type        TEXT,
    status            TEXT    NOT NULL CHECK (status IN ('waiting', 'processing', 'finished', 'failed', 'canceled')),
    requested_at      BIGINT  NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT,
    total_rows        BIGINT,
    truncated         BOOLEAN NOT NULL DEFAULT false,
    snapshot_size     BIGINT,
    snapshot_checksum TEXT,
    error             TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    cancel_requested  BOOLEAN NOT NULL DEFAULT false,
    lease_owner       TEXT,
    lease_expires_at  BIGINT
);

-- The database itself refuses a second processing run of one key.
CREATE UNIQUE INDEX runs_one_processing_per_key ON runs (queue_key) WHERE status = 'processing';
CREATE INDEX runs_active_by_key ON runs (queue_key, seq) WHERE status IN ('waiting', 'processing');
CREATE INDEX runs_waiting ON runs (seq) WHERE status = 'waiting';
CREATE INDEX runs_tenant ON runs (tenant_id, seq);
CREATE INDEX runs_tenant_user ON runs (tenant_id, user_id, seq);
INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'runs', 1700000000);

CREATE TABLE IF NOT EXISTS schedules_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
-- Schedules, their fires (one row per due time: the exactly-once key) and the
-- delivery attempts of each fire. Times are Unix microseconds (UTC).
CREATE TABLE schedules (
    id                    TEXT    PRIMARY KEY,
    tenant_id             BIGINT  NOT NULL,
    owner_id              TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    report_id             TEXT    NOT NULL,
    filters               TEXT    NOT NULL,
    recurrence            TEXT    NOT NULL,
    time_zone             TEXT    NOT NULL,
    destinations          TEXT    NOT NULL, -- JSON; secrets sealed (AES-GCM), never plain
    format                TEXT    NOT NULL,
    file_name             TEXT    NOT NULL,
    paused                BOOLEAN NOT NULL DEFAULT false,
    next_fire_at          BIGINT ,          -- NULL while paused
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    last_fire_at          BIGINT ,
    last_run_id           TEXT,
    last_delivery_outcome TEXT,
    last_delivery_error   TEXT
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX schedules_tenant ON schedules (tenant_id, created_at);

CREATE TABLE schedule_fires (
    id          TEXT    PRIMARY KEY,
    schedule_id TEXT    NOT NULL,
    tenant_id   BIGINT  NOT NULL,
    due_at      BIGINT  NOT NULL,
    manual      BOOLEAN NOT NULL DEFAULT false,
    fired_at    BIGINT  NOT NULL,
    run_id      TEXT,
    state       TEXT    NOT NULL CHECK (state IN ('claimed', 'queued', 'delivering', 'delivered', 'failed', 'run_failed')),
    lease_owner TEXT,
    lease_until BIGINT ,
    error       TEXT,
    UNIQUE (schedule_id, due_at)
);
CREATE INDEX schedule_fires_state ON schedule_fires (state);
CREATE INDEX schedule_fires_run ON schedule_fires (run_id);

CREATE TABLE deliveries (
    id          BIGSERIAL PRIMARY KEY,
    fire_id     TEXT    NOT NULL,
    schedule_id TEXT    NOT NULL,
    tenant_id   BIGINT  NOT NULL,
    run_id      TEXT    NOT NULL,
    destination BIGINT  NOT NULL, -- index in the schedule's destinations
    kind        TEXT    NOT NULL,
    attempt     BIGINT  NOT NULL,
    file_name   TEXT    NOT NULL,
    started_at  BIGINT  NOT NULL,
    ended_at    BIGINT  NOT NULL,
    bytes       BIGINT  NOT NULL,
    outcome     TEXT    NOT NULL,
    error       TEXT,
    remote      TEXT
);
CREATE INDEX deliveries_run ON deliveries (tenant_id, run_id);
INSERT INTO schedules_migrations (version, name, applied_at) VALUES (1, '0001_schedules.sql', 1700000000);
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
