-- relato warehouse schema (ClickHouse, database wh).
--
-- Conventions:
--   * every table carries tenant_id; the engine scopes every read by it.
--   * wallet_id 0 means "no wallet" (carteira).
--   * every other *_id 0 means "none" (no user, no queue, no campaign, ...).
--   * timestamps are plain DateTime (seconds; an instant, stored as Unix time)
--     with no zone of their own: the engine runs every report query with
--     session_timezone = the tenant's zone (wh.tenants.time_zone), so
--     toStartOfHour/toDate/… bucket and render in the tenant's local time.
--   * fact tables are MergeTree ordered by (tenant_id, <main time column>, ...)
--     so a per-tenant period scan reads one key range.
--   * enums are LowCardinality(String) holding the documented vocabulary.
-- Statements are separated by ';' at the end of a line.

CREATE DATABASE IF NOT EXISTS wh;

---------------------------------------------------------------- dimensions

-- One customer environment ("ambiente").
CREATE TABLE IF NOT EXISTS wh.tenants (
    tenant_id UInt32,
    name String,
    time_zone String DEFAULT 'America/Sao_Paulo' -- tz database name; intervals and periods use it
) ENGINE = MergeTree ORDER BY tenant_id;

-- Wallets (carteiras): segments of a tenant's operation.
CREATE TABLE IF NOT EXISTS wh.wallets (
    tenant_id UInt32,
    wallet_id UInt32,
    name String
) ENGINE = MergeTree ORDER BY (tenant_id, wallet_id);

-- Platform users (operators, supervisors, admins).
CREATE TABLE IF NOT EXISTS wh.users (
    tenant_id UInt32,
    user_id UInt32,
    wallet_id UInt32, -- home wallet, 0 = none
    name String,
    email String,
    role LowCardinality(String), -- 'viewer'|'manager'|'admin'
    active UInt8 DEFAULT 1
) ENGINE = MergeTree ORDER BY (tenant_id, user_id);

-- ACD queues (voice).
CREATE TABLE IF NOT EXISTS wh.queues (
    tenant_id UInt32,
    queue_id UInt32,
    wallet_id UInt32,
    name String
) ENGINE = MergeTree ORDER BY (tenant_id, queue_id);

-- WhatsApp Business lines (phone numbers).
CREATE TABLE IF NOT EXISTS wh.lines (
    tenant_id UInt32,
    line_id UInt32,
    wallet_id UInt32,
    phone String, -- E.164
    name String   -- display name
) ENGINE = MergeTree ORDER BY (tenant_id, line_id);

-- WhatsApp message templates (HSM).
CREATE TABLE IF NOT EXISTS wh.templates (
    tenant_id UInt32,
    template_id UInt32,
    wallet_id UInt32,
    line_id UInt32,
    name String,
    category LowCardinality(String), -- 'MARKETING'|'UTILITY'|'AUTHENTICATION'
    language LowCardinality(String), -- e.g. 'pt_BR'
    created_at DateTime
) ENGINE = MergeTree ORDER BY (tenant_id, template_id);

-- Sales/service pipelines (funis) and their stages.
CREATE TABLE IF NOT EXISTS wh.pipelines (
    tenant_id UInt32,
    pipeline_id UInt32,
    wallet_id UInt32,
    name String
) ENGINE = MergeTree ORDER BY (tenant_id, pipeline_id);

CREATE TABLE IF NOT EXISTS wh.pipeline_stages (
    tenant_id UInt32,
    pipeline_id UInt32,
    stage_id UInt32,
    position UInt16, -- 1-based order of the stage inside its pipeline
    name String
) ENGINE = MergeTree ORDER BY (tenant_id, pipeline_id, stage_id);

-- Campaigns of active HSM sends. Facts (sent/delivered/read/failed/replied)
-- come from wh.hsm_sends; targets is the size of the target list, which can be
-- larger than what was sent (invalid numbers, opted-out contacts).
CREATE TABLE IF NOT EXISTS wh.campaigns (
    tenant_id UInt32,
    campaign_id UInt32,
    wallet_id UInt32,
    name String,
    template_id UInt32,
    line_id UInt32,
    created_by UInt32, -- user who started it
    started_at DateTime,
    finished_at DateTime,
    targets UInt32
) ENGINE = MergeTree ORDER BY (tenant_id, started_at, campaign_id);

-- Chatbots (automation).
CREATE TABLE IF NOT EXISTS wh.bots (
    tenant_id UInt32,
    bot_id UInt32,
    wallet_id UInt32,
    name String
) ENGINE = MergeTree ORDER BY (tenant_id, bot_id);

-- Event types (tabulações) a conversation or KPI event can close with.
CREATE TABLE IF NOT EXISTS wh.event_types (
    tenant_id UInt32,
    event_type LowCardinality(String), -- the code used in facts, e.g. 'sale'
    label String                       -- what users see
) ENGINE = MergeTree ORDER BY (tenant_id, event_type);

---------------------------------------------------------------- facts

-- ACD voice calls. A call that hangs up in the IVR has outcome 'ivr_abandoned',
-- queue_id 0 and entered_queue_at = ended_at; it is never offered. Outbound
-- calls skip IVR and queue (queue_id 0, wait 0).
-- An answered call (every outbound call included) is also a voice attendance
-- in wh.conversations; a call abandoned in queue or in the IVR is not: it
-- exists only here (contacts.all_contacts lists it from this table).
CREATE TABLE IF NOT EXISTS wh.calls (
    tenant_id UInt32,
    wallet_id UInt32,
    call_id UInt64,
    queue_id UInt32,                    -- 0 = never reached a queue
    user_id UInt32,                     -- agent who answered, 0 = none
    direction LowCardinality(String),   -- 'inbound'|'outbound'
    caller String,                      -- E.164
    arrived_at DateTime,         -- entered the system (IVR)
    entered_queue_at DateTime,   -- entered the ACD queue (= ended_at for IVR hang-ups)
    answered_at Nullable(DateTime),
    ended_at DateTime,
    outcome LowCardinality(String),     -- 'answered'|'abandoned'|'ivr_abandoned'
    wait_ms UInt32,                     -- in queue until answer/abandon; 0 for ivr_abandoned
    talk_ms UInt32,
    hold_ms UInt32,
    wrap_ms UInt32,                     -- after-call work (wrap-up) after ended_at
    queue_position UInt16,              -- position at queue entry (1 = first)
    ivr_path String                     -- menu choices, e.g. 'menu>2>1'
) ENGINE = MergeTree ORDER BY (tenant_id, entered_queue_at, call_id);

-- KPI rollup of wh.calls (issue 16): per tenant, wallet, queue and 15-minute
-- UTC bucket of entered_queue_at, the counts and sums the interval KPI reports
-- (service level, abandonment rate, ASA, average talk time, average time to
-- abandon) need, over the calls they count: inbound, in a queue, answered or
-- abandoned. The materialized view below keeps it current on every insert into
-- wh.calls; `relato rollups rebuild` recomputes a range from wh.calls.
-- Rows of one key are summed by merges only eventually: always read it with
-- sum()/sumMap() and GROUP BY.
--
-- Waits are kept as a distribution over the wait rank
--   r = 2 × floor(wait_ms / 1000) + (1 if wait_ms is not a whole second),
-- capped at 1201 (every wait over 600 s), so that for any whole-second T ≤ 600 s
-- and S ≤ 600 s the reports' conditions stay exact:
--   wait_ms <= T·1000  ⇔  r <= 2T        wait_ms >= S·1000  ⇔  r >= 2S
-- (a wait of exactly 20 s has r = 40, within T = 20 s; 20.001 s has r = 41).
CREATE TABLE IF NOT EXISTS wh.calls_15m (
    tenant_id UInt32,
    wallet_id UInt32,
    queue_id UInt32,
    bucket DateTime,                    -- start of the 15-minute UTC bucket (an instant; shown in the session's zone)
    answered SimpleAggregateFunction(sum, UInt64),
    answered_wait_ms SimpleAggregateFunction(sum, UInt64),
    answered_talk_ms SimpleAggregateFunction(sum, UInt64),
    answered_hold_ms SimpleAggregateFunction(sum, UInt64),
    answered_wrap_ms SimpleAggregateFunction(sum, UInt64),
    abandoned SimpleAggregateFunction(sum, UInt64),            -- also in abandoned_waits; plain for S = 0
    abandoned_wait_total_ms SimpleAggregateFunction(sum, UInt64),
    answered_waits SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),   -- wait rank → answered calls
    abandoned_waits SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),  -- wait rank → abandoned calls
    abandoned_wait_ms SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)) -- wait rank → Σ wait_ms of those calls
) ENGINE = AggregatingMergeTree ORDER BY (tenant_id, bucket, wallet_id, queue_id);

-- Feeds wh.calls_15m from every insert into wh.calls (each inserted block is
-- aggregated on its own; reads sum the blocks). schema.RollupSelect is this
-- SELECT, reused by the rebuild command.
CREATE MATERIALIZED VIEW IF NOT EXISTS wh.calls_15m_mv TO wh.calls_15m AS
WITH toUInt16(least(1201, intDiv(wait_ms, 1000) * 2 + (wait_ms % 1000 != 0))) AS wait_rank
SELECT
    tenant_id, wallet_id, queue_id,
    toDateTime(intDiv(toUnixTimestamp(entered_queue_at), 900) * 900) AS bucket,
    countIf(outcome = 'answered') AS answered,
    sumIf(toUInt64(wait_ms), outcome = 'answered') AS answered_wait_ms,
    sumIf(toUInt64(talk_ms), outcome = 'answered') AS answered_talk_ms,
    sumIf(toUInt64(hold_ms), outcome = 'answered') AS answered_hold_ms,
    sumIf(toUInt64(wrap_ms), outcome = 'answered') AS answered_wrap_ms,
    countIf(outcome = 'abandoned') AS abandoned,
    sumIf(toUInt64(wait_ms), outcome = 'abandoned') AS abandoned_wait_total_ms,
    sumMapIf(map(wait_rank, toUInt64(1)), outcome = 'answered') AS answered_waits,
    sumMapIf(map(wait_rank, toUInt64(1)), outcome = 'abandoned') AS abandoned_waits,
    sumMapIf(map(wait_rank, toUInt64(wait_ms)), outcome = 'abandoned') AS abandoned_wait_ms
FROM wh.calls
WHERE direction = 'inbound' AND queue_id != 0 AND outcome IN ('answered', 'abandoned')
GROUP BY tenant_id, wallet_id, queue_id, bucket;

-- The same rollup per UTC hour, fed from wh.calls_15m by the view below (each
-- block inserted into wh.calls_15m, by the view over wh.calls or by a rebuild,
-- is summed into its hours). A report reads it instead of wh.calls_15m for
-- 1-hour and 1-day intervals in zones a whole number of hours from UTC
-- (rollup.coarser, engine/rollup.go): a quarter of the rows, and wait maps
-- about 2.3 times fewer entries in all (measured over 100M calls: service
-- level 34 ms instead of 106 ms under the same load). Same columns and rules.
CREATE TABLE IF NOT EXISTS wh.calls_1h (
    tenant_id UInt32,
    wallet_id UInt32,
    queue_id UInt32,
    bucket DateTime,                    -- start of the UTC hour (an instant)
    answered SimpleAggregateFunction(sum, UInt64),
    answered_wait_ms SimpleAggregateFunction(sum, UInt64),
    answered_talk_ms SimpleAggregateFunction(sum, UInt64),
    answered_hold_ms SimpleAggregateFunction(sum, UInt64),
    answered_wrap_ms SimpleAggregateFunction(sum, UInt64),
    abandoned SimpleAggregateFunction(sum, UInt64),
    abandoned_wait_total_ms SimpleAggregateFunction(sum, UInt64),
    answered_waits SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    abandoned_waits SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    abandoned_wait_ms SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
) ENGINE = AggregatingMergeTree ORDER BY (tenant_id, bucket, wallet_id, queue_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS wh.calls_1h_mv TO wh.calls_1h AS
SELECT
    tenant_id, wallet_id, queue_id,
    toDateTime(intDiv(toUnixTimestamp(bucket), 3600) * 3600) AS bucket,
    sum(answered) AS answered,
    sum(answered_wait_ms) AS answered_wait_ms,
    sum(answered_talk_ms) AS answered_talk_ms,
    sum(answered_hold_ms) AS answered_hold_ms,
    sum(answered_wrap_ms) AS answered_wrap_ms,
    sum(abandoned) AS abandoned,
    sum(abandoned_wait_total_ms) AS abandoned_wait_total_ms,
    sumMap(answered_waits) AS answered_waits,
    sumMap(abandoned_waits) AS abandoned_waits,
    sumMap(abandoned_wait_ms) AS abandoned_wait_ms
FROM wh.calls_15m
GROUP BY tenant_id, wallet_id, queue_id, bucket;

-- Every attendance/contact on any channel (WhatsApp, WebChat, voice, e-mail);
-- a voice call is here only once answered (abandoned calls: wh.calls only).
-- The service protocol number is here (report "protocolos gerados").
CREATE TABLE IF NOT EXISTS wh.conversations (
    tenant_id UInt32,
    wallet_id UInt32,
    conversation_id UInt64,
    contact_id UInt64,
    channel LowCardinality(String),     -- 'whatsapp'|'webchat'|'voice'|'email'
    direction LowCardinality(String),   -- 'inbound'|'outbound'
    handled_by LowCardinality(String),  -- 'user'|'bot'|'none' (not served)
    user_id UInt32,                     -- 0 = none
    bot_id UInt32,                      -- 0 = none
    started_at DateTime,
    first_response_at Nullable(DateTime),
    ended_at Nullable(DateTime), -- NULL while open
    status LowCardinality(String),      -- 'open'|'closed'
    protocol String,                    -- service protocol number
    event_type LowCardinality(String),  -- closing event/tabulation ('' while open), see wh.event_types
    line_id UInt32,                     -- WhatsApp line, 0 for other channels
    queue_id UInt32                     -- service queue, 0 = none
) ENGINE = MergeTree ORDER BY (tenant_id, started_at, conversation_id);

-- Current state of each contact (not historised): reports on it describe the
-- moment of extraction, not a period.
CREATE TABLE IF NOT EXISTS wh.contacts (
    tenant_id UInt32,
    wallet_id UInt32,
    contact_id UInt64,
    name String,
    phone String,                        -- E.164, '' = unknown
    email String,                        -- '' = unknown
    created_at DateTime,
    origin_channel LowCardinality(String), -- channel of the first contact
    loyal_user_id UInt32,                -- user the contact is "fidelizado" to now, 0 = none
    updated_at DateTime,
    document String,                     -- CPF/CNPJ as text, '' = unknown
    loyal_since Nullable(DateTime)       -- when the contact became loyal to loyal_user_id, NULL = not loyal or unknown
) ENGINE = MergeTree ORDER BY (tenant_id, contact_id);

-- KPI events ("KPI Eventos"): one row per event registered by a user or an
-- automation while serving a contact.
CREATE TABLE IF NOT EXISTS wh.kpi_events (
    tenant_id UInt32,
    wallet_id UInt32,
    event_id UInt64,
    occurred_at DateTime,
    channel LowCardinality(String),
    event_type LowCardinality(String),  -- see wh.event_types
    user_id UInt32,                     -- 0 = automation
    bot_id UInt32,                      -- 0 = none
    contact_id UInt64,
    conversation_id UInt64,
    value Float64                       -- e.g. sale amount in BRL; 1 for counting events
) ENGINE = MergeTree ORDER BY (tenant_id, occurred_at, event_id);

-- KPI values recorded by chatbot flows ("Fluxo IDR").
CREATE TABLE IF NOT EXISTS wh.bot_flow_kpis (
    tenant_id UInt32,
    wallet_id UInt32,
    recorded_at DateTime,
    bot_id UInt32,
    flow String,                        -- flow name inside the bot
    kpi LowCardinality(String),         -- e.g. 'flow_started','flow_completed','transferred_to_agent'
    value Float64,
    contact_id UInt64,
    conversation_id UInt64
) ENGINE = MergeTree ORDER BY (tenant_id, recorded_at, bot_id);

-- User login sessions. A session is "incorrectly" closed when its logout_at
-- is after the same user's next login_at; logout_at NULL = never logged out.
CREATE TABLE IF NOT EXISTS wh.user_sessions (
    tenant_id UInt32,
    wallet_id UInt32,
    session_id UInt64,
    user_id UInt32,
    login_at DateTime,
    logout_at Nullable(DateTime),
    origin_ip String,
    logout_reason LowCardinality(String) -- 'user'|'timeout'|'forced'|'' (none)
) ENGINE = MergeTree ORDER BY (tenant_id, login_at, user_id, session_id);

-- WhatsApp 24-hour customer-service windows.
CREATE TABLE IF NOT EXISTS wh.whatsapp_sessions (
    tenant_id UInt32,
    wallet_id UInt32,
    session_id UInt64,
    line_id UInt32,
    contact_id UInt64,
    opened_at DateTime,
    expires_at DateTime,          -- opened_at + 24 h
    opened_by LowCardinality(String),    -- 'contact' (user-initiated) | 'company' (business-initiated)
    template_id UInt32,                  -- template that opened it; 0 when opened by the contact
    user_id UInt32,                      -- user who sent the opening template, 0 = none/API
    conversation_id UInt64               -- 0 = none
) ENGINE = MergeTree ORDER BY (tenant_id, opened_at, session_id);

-- WhatsApp line status changes (status, quality rating, messaging tier).
CREATE TABLE IF NOT EXISTS wh.line_status_changes (
    tenant_id UInt32,
    wallet_id UInt32,
    line_id UInt32,
    changed_at DateTime,
    status LowCardinality(String),          -- CONNECTED|FLAGGED|RESTRICTED|PENDING|OFFLINE|BANNED|DISCONNECTED|RATE_LIMITED|DELETED
    previous_status LowCardinality(String), -- '' for the first record
    quality LowCardinality(String),         -- GREEN|YELLOW|RED|UNKNOWN
    messaging_tier LowCardinality(String),  -- TIER_250|TIER_1K|TIER_10K|TIER_100K|TIER_UNLIMITED
    reason String
) ENGINE = MergeTree ORDER BY (tenant_id, changed_at, line_id);

-- WhatsApp template (HSM) status changes.
CREATE TABLE IF NOT EXISTS wh.template_status_changes (
    tenant_id UInt32,
    wallet_id UInt32,
    template_id UInt32,
    line_id UInt32,
    changed_at DateTime,
    status LowCardinality(String),          -- APPROVED|PENDING|REJECTED|PAUSED|DISABLED|FLAGGED|IN_APPEAL|REINSTATED|PENDING_DELETION|DELETED|ARCHIVED|LOCKED|LIMIT_EXCEEDED
    previous_status LowCardinality(String), -- '' for the first record
    category LowCardinality(String),        -- MARKETING|UTILITY|AUTHENTICATION (can change on review)
    quality LowCardinality(String),         -- GREEN|YELLOW|RED|UNKNOWN
    reason String
) ENGINE = MergeTree ORDER BY (tenant_id, changed_at, template_id);

-- Cards of the sales pipelines (current state).
CREATE TABLE IF NOT EXISTS wh.pipeline_cards (
    tenant_id UInt32,
    wallet_id UInt32,
    card_id UInt64,
    pipeline_id UInt32,
    stage_id UInt32,
    title String,
    value Decimal(18, 2),            -- BRL
    contact_id UInt64,
    user_id UInt32,                  -- owner, 0 = none
    status LowCardinality(String),   -- 'open'|'won'|'lost'
    created_at DateTime,
    updated_at DateTime
) ENGINE = MergeTree ORDER BY (tenant_id, created_at, card_id);

-- Active HSM sends through the WhatsApp Business API, by campaign, manually by
-- a user, or by an API client. status is the highest status reached
-- (sent < delivered < read, or failed); a later status may arrive without an
-- earlier one, so delivered_at can be NULL while read_at is set.
CREATE TABLE IF NOT EXISTS wh.hsm_sends (
    tenant_id UInt32,
    wallet_id UInt32,
    send_id UInt64,
    template_id UInt32,
    line_id UInt32,
    contact_id UInt64,
    phone String,                     -- recipient, E.164
    campaign_id UInt32,               -- 0 = not from a campaign
    user_id UInt32,                   -- 0 = sent by the API or a campaign
    origin LowCardinality(String),    -- 'campaign'|'manual'|'api'
    status LowCardinality(String),    -- 'sent'|'delivered'|'read'|'failed'
    error_code UInt32,                -- WhatsApp error code when failed, else 0
    error_message String,
    sent_at DateTime,
    delivered_at Nullable(DateTime),
    read_at Nullable(DateTime),
    failed_at Nullable(DateTime),
    replied_at Nullable(DateTime) -- the contact answered
) ENGINE = MergeTree ORDER BY (tenant_id, sent_at, send_id);

-- Campaign unsubscriptions (opt-outs).
CREATE TABLE IF NOT EXISTS wh.unsubscriptions (
    tenant_id UInt32,
    wallet_id UInt32,
    contact_id UInt64,
    phone String,
    campaign_id UInt32,               -- campaign whose message led to it, 0 = none
    line_id UInt32,
    unsubscribed_at DateTime,         -- when the event was recorded (opt-out or opt-in)
    reason String,                    -- e.g. keyword 'SAIR', button, agent request
    action LowCardinality(String) DEFAULT 'opt_out' -- 'opt_out'|'opt_in' (subscribed again)
) ENGINE = MergeTree ORDER BY (tenant_id, unsubscribed_at, contact_id);

-- Appointments (agendamentos) with contacts.
CREATE TABLE IF NOT EXISTS wh.appointments (
    tenant_id UInt32,
    wallet_id UInt32,
    appointment_id UInt64,
    contact_id UInt64,
    user_id UInt32,                   -- responsible user
    created_at DateTime,
    due_at DateTime,
    status LowCardinality(String),    -- 'pending'|'done'|'canceled'
    done_at Nullable(DateTime),
    note String
) ENGINE = MergeTree ORDER BY (tenant_id, due_at, appointment_id);

-- User actions in the platform (LGPD/GDPR audit trail).
CREATE TABLE IF NOT EXISTS wh.audit_events (
    tenant_id UInt32,
    wallet_id UInt32,
    event_id UInt64,
    at DateTime,
    user_id UInt32,                   -- actor, 0 = system/API
    action LowCardinality(String),    -- e.g. 'contact.update', 'report.download'
    object_type LowCardinality(String),
    object_id String,
    ip String,                        -- origin IP
    details String                    -- JSON text
) ENGINE = MergeTree ORDER BY (tenant_id, at, event_id);

-- "Carteiro Digital": documents sent to contacts by a user or by the API.
CREATE TABLE IF NOT EXISTS wh.document_sends (
    tenant_id UInt32,
    wallet_id UInt32,
    send_id UInt64,
    sent_at DateTime,
    user_id UInt32,                   -- 0 when sent by the API
    sent_by LowCardinality(String),   -- 'user'|'api'
    document_name String,
    contact_id UInt64,
    recipient_name String,
    recipient String,                 -- address used: e-mail or E.164 phone
    channel LowCardinality(String),   -- 'email'|'whatsapp'
    status LowCardinality(String),    -- 'sent'|'delivered'|'read'|'failed'
    read_at Nullable(DateTime),
    error String
) ENGINE = MergeTree ORDER BY (tenant_id, sent_at, send_id);

-- NPS survey answers (WebChat).
CREATE TABLE IF NOT EXISTS wh.nps_answers (
    tenant_id UInt32,
    wallet_id UInt32,
    answer_id UInt64,
    answered_at DateTime,
    channel LowCardinality(String),   -- 'webchat'
    contact_id UInt64,
    conversation_id UInt64,
    user_id UInt32,                   -- user who served the conversation
    score UInt8,                      -- 0..10; promoters 9-10, detractors 0-6
    comment String
) ENGINE = MergeTree ORDER BY (tenant_id, answered_at, answer_id);

-- Written by relato itself (issue 17, LGPD): one row each time personal data
-- left relato unmasked — a run of a report with personal columns (or an
-- extraction) by a user holding the personal_data permission, a download, a
-- scheduled delivery. audit.user_actions shows these rows beside the
-- platform's own wh.audit_events.
CREATE TABLE IF NOT EXISTS wh.relato_personal_access (
    tenant_id UInt32,
    event_id UInt64,                  -- random, orders rows of the same second
    at DateTime,
    user_id String,                   -- relato's user id (u_…, oidc:…)
    user_name String,                 -- display name at the time
    action LowCardinality(String),    -- 'report.personal_data.run' | '.download' | '.delivery'
    report_id String,
    run_id String,
    filters String,                   -- JSON text: the filters as given
    row_count UInt64,
    purpose String,                   -- the reason the user gave, '' = none
    details String                    -- JSON text: format, destination
) ENGINE = MergeTree ORDER BY (tenant_id, at, event_id);
