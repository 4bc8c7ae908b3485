-- Change programmes: the change being led, its Kotter phases (planned and
-- actual dates), the scenarios and cohorts serving it, and its impact study
-- (teams with their headcount and maturity, each scenario's impact on each
-- team, the people of each team). Dates are calendar days (YYYY-MM-DD) in
-- the programme's time zone; instants are RFC 3339 in UTC like elsewhere.

CREATE TABLE programmes (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    summary       TEXT NOT NULL DEFAULT '',
    lead_id       TEXT NOT NULL REFERENCES users (id), -- the change lead
    time_zone     TEXT NOT NULL,                       -- IANA name
    phase         TEXT NOT NULL DEFAULT 'prepare'
                    CHECK (phase IN ('prepare', 'engage', 'realise', 'anchor')),
    created_at    TEXT NOT NULL
);

CREATE TABLE programme_phases (
    programme_id  TEXT NOT NULL REFERENCES programmes (id),
    phase         TEXT NOT NULL CHECK (phase IN ('prepare', 'engage', 'realise', 'anchor')),
    planned_start TEXT,
    planned_end   TEXT,
    actual_start  TEXT,                                -- set when the programme enters it
    actual_end    TEXT,                                -- set when it moves on
    PRIMARY KEY (programme_id, phase)
);

CREATE TABLE programme_scenarios (
    programme_id  TEXT NOT NULL REFERENCES programmes (id),
    scenario_id   TEXT NOT NULL,
    phase         TEXT NOT NULL CHECK (phase IN ('prepare', 'engage', 'realise', 'anchor')),
    PRIMARY KEY (programme_id, scenario_id)
);

CREATE TABLE teams (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    programme_id  TEXT NOT NULL REFERENCES programmes (id),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('business', 'support')),
    site          TEXT,                                -- department or site
    headcount     INTEGER NOT NULL CHECK (headcount >= 0),
    maturity      INTEGER NOT NULL CHECK (maturity BETWEEN 1 AND 5),
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (programme_id, name COLLATE NOCASE);

-- What each scenario's tool changes for a team, and whether its people
-- must complete it, by when.
CREATE TABLE team_impacts (
    team_id       TEXT NOT NULL REFERENCES teams (id),
    scenario_id   TEXT NOT NULL,
    impact        TEXT NOT NULL CHECK (impact IN ('none', 'low', 'high')),
    required      INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    due_on        TEXT,
    PRIMARY KEY (team_id, scenario_id)
);

CREATE TABLE people (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    programme_id  TEXT NOT NULL REFERENCES programmes (id),
    team_id       TEXT NOT NULL REFERENCES teams (id),
    name          TEXT NOT NULL,
    email         TEXT,
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX people_email ON people (programme_id, email COLLATE NOCASE)
    WHERE email IS NOT NULL;
CREATE INDEX people_team ON people (team_id);

-- A cohort may serve a programme, in one of its phases; its learners are
-- then people of the programme's teams.
ALTER TABLE cohorts ADD COLUMN programme_id TEXT REFERENCES programmes (id);
ALTER TABLE cohorts ADD COLUMN phase TEXT
    CHECK (phase IS NULL OR phase IN ('prepare', 'engage', 'realise', 'anchor'));
CREATE INDEX cohorts_programme ON cohorts (programme_id);
ALTER TABLE learners ADD COLUMN person_id TEXT REFERENCES people (id);
CREATE INDEX learners_person ON learners (person_id);
CREATE INDEX sandboxes_learner ON sandboxes (learner_id);

-- Use of the real tool: active users per team and week, from the
-- production tool (posted or imported), so training shows beside use.
CREATE TABLE team_usage (
    team_id       TEXT NOT NULL REFERENCES teams (id),
    week          TEXT NOT NULL,                       -- the ISO week's Monday
    active_users  INTEGER NOT NULL CHECK (active_users >= 0),
    recorded_at   TEXT NOT NULL,
    PRIMARY KEY (team_id, week)
);

-- Pulse questions: short questionnaires a change lead sets per phase, shown
-- to the learners of the phase's cohorts before their first exercise or
-- after their last; answered at most once, from 1 to 5 with an optional
-- comment. Reports never show who answered what.
CREATE TABLE pulse_questions (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    programme_id  TEXT NOT NULL REFERENCES programmes (id),
    phase         TEXT NOT NULL CHECK (phase IN ('prepare', 'engage', 'realise', 'anchor')),
    moment        TEXT NOT NULL CHECK (moment IN ('before', 'after')),
    position      INTEGER NOT NULL,
    text_en       TEXT,
    text_fr       TEXT,
    created_at    TEXT NOT NULL,
    CHECK (text_en IS NOT NULL OR text_fr IS NOT NULL)
);
CREATE INDEX pulse_questions_programme ON pulse_questions (programme_id, phase, moment, position);

CREATE TABLE pulse_answers (
    question_id   TEXT NOT NULL REFERENCES pulse_questions (id),
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment       TEXT,
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (question_id, learner_id)
);
