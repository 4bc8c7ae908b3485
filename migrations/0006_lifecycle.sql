-- Expiry and idle culling: when a sandbox was last used (flushed from
-- memory every half minute or so), why it ended, and how far a learner has
-- extended it past the end it was given at claim.

ALTER TABLE sandboxes ADD COLUMN last_activity_at TEXT;
ALTER TABLE sandboxes ADD COLUMN ended_reason TEXT CHECK (ended_reason IN ('expired', 'idle'));
ALTER TABLE sandboxes ADD COLUMN extended_seconds INTEGER NOT NULL DEFAULT 0;
