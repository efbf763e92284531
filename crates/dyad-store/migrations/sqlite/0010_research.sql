-- Research and privacy rights: studies with the research consent documents they rely on,
-- the pseudonym key (research codes and the per-duo date offset, kept apart from the care
-- codes staff see), erasures with their documented checks, and retention settings.

CREATE TABLE studies (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    protocol_id  TEXT NOT NULL UNIQUE,
    active       BIGINT NOT NULL DEFAULT 1,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- The research consent documents (versions) a study accepts as consent to take part.
CREATE TABLE study_documents (
    study_id     TEXT NOT NULL REFERENCES studies(id),
    document_id  TEXT NOT NULL REFERENCES consent_documents(id),
    PRIMARY KEY (study_id, document_id)
);

-- The pseudonym key: who is behind a research code. Never exported; deleted at erasure.
CREATE TABLE research_subjects (
    participant_id  TEXT PRIMARY KEY REFERENCES participants(id),
    code            TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL
);

-- One code and one date offset per duo: both members' dates move by the same days.
CREATE TABLE research_duos (
    duo_id       TEXT PRIMARY KEY REFERENCES duos(id),
    code         TEXT NOT NULL UNIQUE,
    offset_days  BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE erasures (
    id              TEXT PRIMARY KEY,
    participant_id  TEXT NOT NULL UNIQUE REFERENCES participants(id),
    executed_by     TEXT NOT NULL,
    reason          TEXT NOT NULL,
    checks          TEXT NOT NULL,
    executed_at     BIGINT NOT NULL
);

CREATE TABLE retention_rules (
    kind        TEXT PRIMARY KEY,
    days        BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
