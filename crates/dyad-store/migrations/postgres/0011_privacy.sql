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

-- A document accepted again after consent to it was withdrawn (research consent given anew
-- on its page): the first acceptance stays as it was, each renewal is a row of its own.
CREATE TABLE consent_renewals (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    document_id  TEXT NOT NULL REFERENCES consent_documents(id),
    accepted_at  BIGINT NOT NULL,
    method       TEXT NOT NULL
);
CREATE INDEX consent_renewals_user ON consent_renewals(user_id, accepted_at);
