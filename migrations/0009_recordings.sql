-- Terminal recordings: one row per recorded shell and the bytes its file
-- holds, so that a link's recording budget spans every shell and every
-- sandbox (reset) the link has had, across restarts.

CREATE TABLE recordings (
    id            TEXT PRIMARY KEY NOT NULL,           -- uuid
    sandbox_id    TEXT NOT NULL REFERENCES sandboxes (id),
    budget_key    TEXT NOT NULL,                       -- the link's token hash (the sandbox's id when it has no link)
    file          TEXT NOT NULL,                       -- its name under recordings/<sandbox_id>/
    bytes         INTEGER NOT NULL,                    -- bytes written to the file so far
    started_at    TEXT NOT NULL,
    cut_at        TEXT                                 -- when the link's budget stopped it
);
CREATE INDEX recordings_budget ON recordings (budget_key);
CREATE INDEX recordings_sandbox ON recordings (sandbox_id);
