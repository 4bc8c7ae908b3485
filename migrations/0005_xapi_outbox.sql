-- xAPI statements waiting for (or already accepted by) the configured LRS.
-- A statement's id is derived from the record that caused it, so inserting
-- it twice is a no-op and sending it twice is harmless.

CREATE TABLE xapi_outbox (
    id            TEXT PRIMARY KEY NOT NULL,           -- the statement's uuid
    cohort_id     TEXT NOT NULL,                       -- its registration
    body          TEXT NOT NULL,                       -- the statement, as JSON
    created_at    TEXT NOT NULL,
    tries         INTEGER NOT NULL DEFAULT 0,          -- POSTs made so far
    next_try_at   INTEGER NOT NULL,                    -- unix milliseconds
    sent_at       TEXT,                                -- when the LRS accepted it
    last_error    TEXT                                 -- why the last try failed
);
CREATE INDEX xapi_outbox_pending ON xapi_outbox (next_try_at) WHERE sent_at IS NULL;

-- How far the sweep that turns records into statements has got: the highest
-- attempt id and the latest claim time it has seen.
CREATE TABLE xapi_cursor (
    name          TEXT PRIMARY KEY NOT NULL,
    value         TEXT NOT NULL
);
