-- A programme loaded by `sandpit demo`: made-up teams, people, cohorts and
-- history, shown with a banner and taken away by `sandpit demo --remove`.
-- There is at most one.

ALTER TABLE programmes ADD COLUMN demo INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1));
CREATE UNIQUE INDEX programmes_one_demo ON programmes (demo) WHERE demo = 1;
