-- A second capability per link, for the tool's web UI only: it is what the
-- proxied host name carries (`<port>-<web key>.<sandbox domain>`), so a host
-- name that leaks (Referer, DNS, logs) opens no terminal and runs no check.
ALTER TABLE links ADD COLUMN web_key_hash TEXT;
CREATE UNIQUE INDEX links_web_key ON links (web_key_hash);
