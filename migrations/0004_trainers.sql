-- Trainers and admins, their browser sessions and API tokens; cohorts and
-- their learners. Secrets (passwords, session ids, API tokens) are stored
-- hashed only.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'trainer')),
    password_hash TEXT NOT NULL,                       -- argon2id PHC string
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY NOT NULL,           -- hex SHA-256 of the cookie's value
    user_id       TEXT NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,                       -- what this session's forms must carry
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid, shown so it can be revoked
    token_hash    TEXT NOT NULL UNIQUE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);

CREATE TABLE cohorts (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid (also the xAPI registration)
    name          TEXT NOT NULL,
    scenario_id   TEXT NOT NULL,
    owner_id      TEXT NOT NULL REFERENCES users (id),
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    spare         INTEGER NOT NULL DEFAULT 1,          -- extra warm sandboxes beyond the roster
    max_sandboxes INTEGER,                             -- this cohort's cap on live sandboxes
    launched_at   TEXT,
    torn_down_at  TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX cohorts_owner ON cohorts (owner_id);

CREATE TABLE learners (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    cohort_id     TEXT NOT NULL REFERENCES cohorts (id),
    position      INTEGER NOT NULL,                    -- order in the roster, from 1
    name          TEXT NOT NULL,
    email         TEXT,
    team          TEXT,
    created_at    TEXT NOT NULL,
    UNIQUE (cohort_id, position)
);

-- A cohort learner's link names the learner; its sandbox is bound when the
-- link is first opened (claimed from the warm pool).
ALTER TABLE links ADD COLUMN learner_id TEXT REFERENCES learners (id);
CREATE INDEX links_learner ON links (learner_id);
ALTER TABLE sandboxes ADD COLUMN learner_id TEXT;
ALTER TABLE sandboxes ADD COLUMN claimed_at TEXT;
CREATE INDEX sandboxes_cohort_state ON sandboxes (cohort_id, state);
