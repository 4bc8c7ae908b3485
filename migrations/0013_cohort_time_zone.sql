-- The time zone a cohort's times are typed, shown and exported in: an IANA
-- name such as Europe/Paris. Cohorts made before this were typed and shown
-- in UTC, and stay in UTC.
ALTER TABLE cohorts ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
