-- Each participant's intake: the working copy (sealed answers) and every submitted version.

CREATE TABLE intakes (
    participant_id  TEXT PRIMARY KEY REFERENCES participants(id),
    form_version    TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    answers         BLOB NOT NULL,
    revision        BIGINT NOT NULL,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    submitted_at    BIGINT
);

CREATE TABLE intake_versions (
    id              TEXT PRIMARY KEY,
    participant_id  TEXT NOT NULL REFERENCES participants(id),
    version         BIGINT NOT NULL,
    form_version    TEXT NOT NULL,
    answers         BLOB NOT NULL,
    submitted_at    BIGINT NOT NULL,
    amendment_reason TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    UNIQUE (participant_id, version)
);
