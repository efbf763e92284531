-- The daily retention run: one row per day, claimed by one instance (the row is the claim; a
-- claim whose lease ran out without a report is taken over), then the report of what it
-- removed (counts per kind of record and the period each rule used, as JSON).
CREATE TABLE retention_runs (
    day            BIGINT PRIMARY KEY,
    claimed_by     TEXT NOT NULL,
    claimed_until  BIGINT NOT NULL,
    ran_at         BIGINT,
    report         TEXT
);
