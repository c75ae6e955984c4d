-- Schedules, their fires (one row per due time: the exactly-once key) and the
-- delivery attempts of each fire. Times are Unix microseconds (UTC).
CREATE TABLE schedules (
    id                    TEXT    PRIMARY KEY,
    tenant_id             INTEGER NOT NULL,
    owner_id              TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    report_id             TEXT    NOT NULL,
    filters               TEXT    NOT NULL,
    recurrence            TEXT    NOT NULL,
    time_zone             TEXT    NOT NULL,
    destinations          TEXT    NOT NULL, -- JSON; secrets sealed (AES-GCM), never plain
    format                TEXT    NOT NULL,
    file_name             TEXT    NOT NULL,
    paused                BOOLEAN NOT NULL DEFAULT 0,
    next_fire_at          INTEGER,          -- NULL while paused
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    last_fire_at          INTEGER,
    last_run_id           TEXT,
    last_delivery_outcome TEXT,
    last_delivery_error   TEXT
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;
CREATE INDEX schedules_tenant ON schedules (tenant_id, created_at);

CREATE TABLE schedule_fires (
    id          TEXT    PRIMARY KEY,
    schedule_id TEXT    NOT NULL,
    tenant_id   INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    manual      BOOLEAN NOT NULL DEFAULT 0,
    fired_at    INTEGER NOT NULL,
    run_id      TEXT,
    state       TEXT    NOT NULL CHECK (state IN ('claimed', 'queued', 'delivering', 'delivered', 'failed', 'run_failed')),
    lease_owner TEXT,
    lease_until INTEGER,
    error       TEXT,
    UNIQUE (schedule_id, due_at)
);
CREATE INDEX schedule_fires_state ON schedule_fires (state);
CREATE INDEX schedule_fires_run ON schedule_fires (run_id);

CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fire_id     TEXT    NOT NULL,
    schedule_id TEXT    NOT NULL,
    tenant_id   INTEGER NOT NULL,
    run_id      TEXT    NOT NULL,
    destination INTEGER NOT NULL, -- index in the schedule's destinations
    kind        TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    file_name   TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    outcome     TEXT    NOT NULL,
    error       TEXT,
    remote      TEXT
);
CREATE INDEX deliveries_run ON deliveries (tenant_id, run_id);
