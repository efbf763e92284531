-- Screening runs (the knowledge version used, the recommended format), their findings
-- sealed per participant (or per duo for duo-level findings), and signed decisions.

CREATE TABLE screening_runs (
    id                  TEXT PRIMARY KEY,
    duo_id              TEXT NOT NULL REFERENCES duos(id),
    knowledge_version   TEXT NOT NULL,
    recommended_format  TEXT NOT NULL,
    run_at              BIGINT NOT NULL,
    run_by              TEXT NOT NULL
);
CREATE INDEX screening_runs_duo ON screening_runs(duo_id, run_at);

CREATE TABLE screening_findings (
    run_id    TEXT NOT NULL REFERENCES screening_runs(id),
    owner_id  TEXT NOT NULL,
    findings  BYTEA NOT NULL,
    PRIMARY KEY (run_id, owner_id)
);

CREATE TABLE screening_decisions (
    id            TEXT PRIMARY KEY,
    duo_id        TEXT NOT NULL REFERENCES duos(id),
    run_id        TEXT NOT NULL REFERENCES screening_runs(id),
    format        TEXT NOT NULL,
    rationale     BYTEA NOT NULL,
    signed_by     TEXT NOT NULL REFERENCES users(id),
    signer_name   TEXT NOT NULL,
    meaning       TEXT NOT NULL,
    signed_at     BIGINT NOT NULL
);
CREATE INDEX screening_decisions_duo ON screening_decisions(duo_id, signed_at);
