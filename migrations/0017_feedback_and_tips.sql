-- What learners say about an exercise once they have tried it: how useful
-- and how usable it was (1 to 5; one rating per learner and exercise, which
-- they may change), and tips or questions for those who come after them.
-- Tips are shown to later learners once a trainer approves them; learners
-- vote for the tips that helped them, once each; trainers (and, later,
-- ambassadors) answer questions.

CREATE TABLE exercise_ratings (
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    scenario_id   TEXT NOT NULL,
    exercise_id   TEXT NOT NULL,
    passed        INTEGER NOT NULL CHECK (passed IN (0, 1)), -- when rated
    useful        INTEGER NOT NULL CHECK (useful BETWEEN 1 AND 5),
    usable        INTEGER NOT NULL CHECK (usable BETWEEN 1 AND 5),
    rated_at      TEXT NOT NULL,
    PRIMARY KEY (learner_id, scenario_id, exercise_id)
) WITHOUT ROWID;

CREATE TABLE tips (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    scenario_id   TEXT NOT NULL,
    exercise_id   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('tip', 'question')),
    body          TEXT NOT NULL,
    lang          TEXT NOT NULL,                       -- the page's language when written
    status        TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewed_by   TEXT REFERENCES users (id),
    reviewed_at   TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX tips_exercise ON tips (scenario_id, exercise_id, status);
CREATE INDEX tips_learner ON tips (learner_id);

CREATE TABLE tip_votes (
    tip_id        TEXT NOT NULL REFERENCES tips (id),
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    voted_at      TEXT NOT NULL,
    PRIMARY KEY (tip_id, learner_id)
) WITHOUT ROWID;

CREATE TABLE tip_answers (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    tip_id        TEXT NOT NULL REFERENCES tips (id),
    user_id       TEXT REFERENCES users (id),          -- a trainer who answered
    learner_id    TEXT REFERENCES learners (id),       -- or an ambassador
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    CHECK ((user_id IS NULL) <> (learner_id IS NULL))
);
CREATE INDEX tip_answers_tip ON tip_answers (tip_id);
