-- Live help: an ambassador (or a trainer) watching a learner's terminal.
-- One row per session, from the first look to the last: who helped whom,
-- on which exercise (the one the learner was on, or asked about), the call
-- for help it answered if any, and whether the learner let them type.
CREATE TABLE help_sessions (
    id                 TEXT PRIMARY KEY NOT NULL,      -- uuid
    learner_id         TEXT NOT NULL REFERENCES learners (id),
    sandbox_id         TEXT NOT NULL REFERENCES sandboxes (id),
    helper_learner_id  TEXT REFERENCES learners (id),
    helper_user_id     TEXT REFERENCES users (id),
    request_id         TEXT REFERENCES help_requests (id),
    exercise_id        TEXT,
    started_at         TEXT NOT NULL,
    -- Last known alive (a connection opened, or was still open a moment
    -- ago): where a session a stopped server left open ends.
    seen_at            TEXT NOT NULL,
    -- Set when the helper's last connection closed; a helper back within
    -- a short while resumes the same session.
    ended_at           TEXT,
    -- Whether the learner lets the helper type now, and how often they did.
    typing             INTEGER NOT NULL DEFAULT 0,
    grants             INTEGER NOT NULL DEFAULT 0,
    -- The hash of the key the helper's read-only view of the learner's
    -- tool (its web UI, through the proxy) is reached with.
    view_key_hash      TEXT UNIQUE,
    CHECK ((helper_learner_id IS NULL) <> (helper_user_id IS NULL))
);
CREATE INDEX help_sessions_learner ON help_sessions (learner_id);
CREATE INDEX help_sessions_request ON help_sessions (request_id);
