-- How each learner (a roster line) did on each exercise they tried, kept up
-- to date in the transaction that records an attempt, so the indicators
-- page reads one row per learner and exercise instead of ranking every
-- attempt on each load. "Attempt" means a check that ran (`passed` or
-- `failed`), ordered by time then id; a check that could not run (`error`)
-- is not the learner's doing and is not counted.
CREATE TABLE learner_exercises (
    learner_id      TEXT NOT NULL REFERENCES learners (id),
    exercise_id     TEXT NOT NULL,
    attempts        INTEGER NOT NULL CHECK (attempts > 0),
    first_passed    INTEGER NOT NULL CHECK (first_passed IN (0, 1)),
    pass_number     INTEGER,                             -- rank of the first pass
    passed_at       TEXT,                                -- when it was made
    last_attempt_at TEXT NOT NULL,
    PRIMARY KEY (learner_id, exercise_id)
) WITHOUT ROWID;

-- The attempts made before this table existed.
INSERT INTO learner_exercises
    (learner_id, exercise_id, attempts, first_passed, pass_number, passed_at, last_attempt_at)
WITH tries AS (
    SELECT s.learner_id, a.exercise_id, a.outcome, a.created_at,
           ROW_NUMBER() OVER (PARTITION BY s.learner_id, a.exercise_id
                              ORDER BY a.created_at, a.id) AS n
    FROM attempts a
    JOIN sandboxes s ON s.id = a.sandbox_id
    JOIN learners l ON l.id = s.learner_id
    WHERE a.outcome IN ('passed', 'failed')
)
SELECT learner_id, exercise_id,
       COUNT(*),
       MAX(n = 1 AND outcome = 'passed'),
       MIN(CASE WHEN outcome = 'passed' THEN n END),
       MIN(CASE WHEN outcome = 'passed' THEN created_at END),
       MAX(created_at)
FROM tries
GROUP BY learner_id, exercise_id;

-- The outputs failed checks gave, word for word, each once per exercise:
-- what `learner_failures` counts, by number (grouping thousands of counts
-- by number takes half the time it takes by text).
CREATE TABLE check_outputs (
    id            INTEGER PRIMARY KEY,
    exercise_id   TEXT NOT NULL,
    output        TEXT NOT NULL,
    UNIQUE (exercise_id, output)
);

-- How many of each learner's failed checks gave each output: the struggle
-- indicator groups these per exercise. Kept in the same transaction as the
-- attempt.
CREATE TABLE learner_failures (
    learner_id    TEXT NOT NULL REFERENCES learners (id),
    output_id     INTEGER NOT NULL REFERENCES check_outputs (id),
    count         INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (learner_id, output_id)
) WITHOUT ROWID;

INSERT INTO check_outputs (exercise_id, output)
SELECT DISTINCT a.exercise_id, a.output
FROM attempts a
JOIN sandboxes s ON s.id = a.sandbox_id
JOIN learners l ON l.id = s.learner_id
WHERE a.outcome = 'failed';

INSERT INTO learner_failures (learner_id, output_id, count)
SELECT l.id, o.id, COUNT(*)
FROM attempts a
JOIN sandboxes s ON s.id = a.sandbox_id
JOIN learners l ON l.id = s.learner_id
JOIN check_outputs o ON o.exercise_id = a.exercise_id AND o.output = a.output
WHERE a.outcome = 'failed'
GROUP BY l.id, o.id;
