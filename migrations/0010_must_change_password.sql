-- A password someone else saw (the first admin's, printed at first start;
-- one printed by `sandpit user create` or `reset-password`) must be
-- replaced by its owner at their next sign-in. Accounts already in use
-- keep theirs.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
