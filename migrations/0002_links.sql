-- Learner links: a capability to one learner's sandbox. Only the SHA-256 of
-- the token is kept; the token itself is shown once and never logged.

CREATE TABLE links (
    token_hash    TEXT PRIMARY KEY NOT NULL,           -- hex SHA-256 of the token
    scenario_id   TEXT NOT NULL,
    cohort_id     TEXT,
    learner       TEXT,
    sandbox_id    TEXT REFERENCES sandboxes (id),      -- set once a sandbox is bound
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX links_sandbox ON links (sandbox_id);
