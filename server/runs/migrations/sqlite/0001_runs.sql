-- Runs of reports and their per-key FIFO queue. Times are Unix microseconds (UTC),
-- the same in both dialects, so queue arithmetic is identical.
CREATE TABLE runs (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT, -- request order
    id                TEXT    NOT NULL UNIQUE,
    tenant_id         INTEGER NOT NULL,
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
    requested_at      INTEGER NOT NULL,
    started_at        INTEGER,
    finished_at       INTEGER,
    total_rows        INTEGER,
    truncated         BOOLEAN NOT NULL DEFAULT 0,
    snapshot_size     INTEGER,
    snapshot_checksum TEXT,
    error             TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    cancel_requested  BOOLEAN NOT NULL DEFAULT 0,
    lease_owner       TEXT,
    lease_expires_at  INTEGER
);

-- The database itself refuses a second processing run of one key.
CREATE UNIQUE INDEX runs_one_processing_per_key ON runs (queue_key) WHERE status = 'processing';
CREATE INDEX runs_active_by_key ON runs (queue_key, seq) WHERE status IN ('waiting', 'processing');
CREATE INDEX runs_waiting ON runs (seq) WHERE status = 'waiting';
CREATE INDEX runs_tenant ON runs (tenant_id, seq);
CREATE INDEX runs_tenant_user ON runs (tenant_id, user_id, seq);
