-- What each teardown did, kept so an admin can read it again later: one row
-- per cohort torn down (or per sandbox, or for the sandboxes of no cohort).

CREATE TABLE teardown_reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    scope           TEXT NOT NULL CHECK (scope IN ('cohort', 'sandbox', 'loose')),
    cohort_id       TEXT,                                -- set for scope 'cohort'
    cohort_name     TEXT,
    sandbox_id      TEXT,                                -- set for scope 'sandbox'
    requested_by    TEXT,                                -- the user's name, when known
    created_at      TEXT NOT NULL,
    removed         INTEGER NOT NULL,                    -- sandboxes whose engine objects were removed
    sandboxes       INTEGER NOT NULL,                    -- sandboxes counted in the resource-hours
    memory_gib_hours REAL NOT NULL,                      -- sum of memory (GiB) × hours alive
    cpu_hours       REAL NOT NULL,                       -- sum of CPUs × hours alive
    failures        TEXT NOT NULL                        -- JSON: [{"sandbox": id, "error": text}]
);
CREATE INDEX teardown_reports_cohort ON teardown_reports (cohort_id);
