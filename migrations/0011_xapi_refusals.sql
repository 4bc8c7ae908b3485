-- Statements the LRS refused (400, 409, 413 or 422) are parked with its
-- answer instead of being tried again: one bad statement no longer holds
-- back the ones queued behind it. An admin may put them back in the queue.

ALTER TABLE xapi_outbox ADD COLUMN parked_at TEXT;          -- when the LRS refused it
ALTER TABLE xapi_outbox ADD COLUMN refusal_status INTEGER;  -- the LRS's HTTP status
ALTER TABLE xapi_outbox ADD COLUMN refusal_answer TEXT;     -- what the LRS said, cut short

-- Waiting means neither sent nor parked.
DROP INDEX xapi_outbox_pending;
CREATE INDEX xapi_outbox_pending ON xapi_outbox (next_try_at)
    WHERE sent_at IS NULL AND parked_at IS NULL;
CREATE INDEX xapi_outbox_parked ON xapi_outbox (parked_at) WHERE parked_at IS NOT NULL;
