-- Refreshers (the anchor phase): a programme schedules a short re-check of
-- one exercise some weeks after a learner passed it. Each learner's
-- invitation is kept once its link was first given (on their page, or in
-- a trainer's export): its token's hash, and the sandbox link it started.
CREATE TABLE refreshers (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    programme_id  TEXT NOT NULL REFERENCES programmes (id),
    scenario_id   TEXT NOT NULL,
    exercise_id   TEXT NOT NULL,
    after_days    INTEGER NOT NULL CHECK (after_days > 0),
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    UNIQUE (programme_id, scenario_id, exercise_id)
);

CREATE TABLE refresher_invites (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    refresher_id  TEXT NOT NULL REFERENCES refreshers (id),
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    token_hash    TEXT NOT NULL UNIQUE,                -- hex SHA-256 of the invitation's token
    created_at    TEXT NOT NULL,
    -- The learner link its Start made (its sandbox: a fresh one, this
    -- exercise only), and when.
    link_hash     TEXT,
    started_at    TEXT,
    UNIQUE (refresher_id, learner_id)
);

-- A link that opens onto one exercise only (a refresher's).
ALTER TABLE links ADD COLUMN only_exercise TEXT;
