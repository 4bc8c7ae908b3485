-- A trainer's cohorts have names of their own (letter case aside): two
-- trainers may both have a "Monday", one trainer not twice. And a cohort
-- that is over can be archived: kept with all its records, out of the
-- default lists.

-- Names already given twice: the oldest cohort keeps it, the others are
-- renamed "Name (2)", "Name (3)"… in the order they were made.
CREATE TEMP TABLE cohort_renames AS
SELECT c.id,
       c.name || ' (' || (1 + (
           SELECT COUNT(*) FROM cohorts e
           WHERE e.owner_id = c.owner_id AND e.name = c.name COLLATE NOCASE
             AND (e.created_at < c.created_at OR (e.created_at = c.created_at AND e.id < c.id))
       )) || ')' AS new_name
FROM cohorts c
WHERE EXISTS (
    SELECT 1 FROM cohorts e
    WHERE e.owner_id = c.owner_id AND e.name = c.name COLLATE NOCASE
      AND (e.created_at < c.created_at OR (e.created_at = c.created_at AND e.id < c.id))
);
UPDATE cohorts SET name = (SELECT new_name FROM cohort_renames r WHERE r.id = cohorts.id)
WHERE id IN (SELECT id FROM cohort_renames);
DROP TABLE cohort_renames;

-- A new name may meet a name that was there already ("Name (2)" typed by
-- hand): the younger of those takes its id's first characters too.
UPDATE cohorts SET name = name || ' · ' || substr(id, 1, 8)
WHERE EXISTS (
    SELECT 1 FROM cohorts e
    WHERE e.owner_id = cohorts.owner_id AND e.name = cohorts.name COLLATE NOCASE
      AND (e.created_at < cohorts.created_at OR (e.created_at = cohorts.created_at AND e.id < cohorts.id))
);

CREATE UNIQUE INDEX cohorts_owner_name ON cohorts (owner_id, name COLLATE NOCASE);

ALTER TABLE cohorts ADD COLUMN archived_at TEXT;
