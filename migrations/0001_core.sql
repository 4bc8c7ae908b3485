-- Sandboxes, the attempts made in them, and the completions those attempts earned.

CREATE TABLE sandboxes (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    scenario_id   TEXT NOT NULL,
    cohort_id     TEXT,
    learner       TEXT,
    state         TEXT NOT NULL CHECK (state IN
                    ('provisioning', 'ready', 'claimed', 'expired', 'destroyed', 'failed')),
    container_id  TEXT,
    network_id    TEXT,
    address       TEXT,                                -- the sandbox's own IP address
    error         TEXT,                                -- why it failed, if it did
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    ready_at      TEXT,
    expires_at    TEXT
);
CREATE INDEX sandboxes_state ON sandboxes (state);
CREATE INDEX sandboxes_cohort ON sandboxes (cohort_id);

CREATE TABLE attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes (id),
    learner       TEXT,
    exercise_id   TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('passed', 'failed', 'error')),
    output        TEXT NOT NULL,                       -- feedback shown to the learner
    detail        TEXT NOT NULL DEFAULT '',            -- stderr or engine error, for trainers
    duration_ms   INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX attempts_sandbox ON attempts (sandbox_id, exercise_id);

CREATE TABLE completions (
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes (id),
    exercise_id   TEXT NOT NULL,
    attempt_id    INTEGER NOT NULL REFERENCES attempts (id),
    completed_at  TEXT NOT NULL,
    PRIMARY KEY (sandbox_id, exercise_id)
);
