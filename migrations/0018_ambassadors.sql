-- Ambassadors: people who help their peers. A trainer (for their cohorts)
-- or a change lead (for their programme's teams) marks a learner (a roster
-- line, who reaches their ambassador's page through their own link) or an
-- account as the ambassador of a cohort or of a team.
CREATE TABLE ambassadors (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    learner_id    TEXT REFERENCES learners (id),
    user_id       TEXT REFERENCES users (id),
    cohort_id     TEXT REFERENCES cohorts (id),
    team_id       TEXT REFERENCES teams (id),
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    CHECK ((learner_id IS NULL) <> (user_id IS NULL)),
    CHECK ((cohort_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX ambassadors_once ON ambassadors
    (COALESCE(learner_id, user_id), COALESCE(cohort_id, team_id));
CREATE INDEX ambassadors_learner ON ambassadors (learner_id);
CREATE INDEX ambassadors_user ON ambassadors (user_id);

-- A learner's call for help on an exercise, with an optional message; open
-- until they close it or pass the exercise.
CREATE TABLE help_requests (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes (id),
    exercise_id   TEXT NOT NULL,
    message       TEXT,
    created_at    TEXT NOT NULL,
    closed_at     TEXT
);
CREATE INDEX help_requests_open ON help_requests (learner_id) WHERE closed_at IS NULL;
