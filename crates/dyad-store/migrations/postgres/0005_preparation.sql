-- Preparation: meetings, durable background jobs, the duo agreement (versions and
-- signatures), consent withdrawals, the pre-session checklist and washout confirmations.

CREATE TABLE meetings (
    id                TEXT PRIMARY KEY,
    duo_id            TEXT NOT NULL REFERENCES duos(id),
    kind              TEXT NOT NULL CHECK (kind IN ('preparation', 'integration')),
    with_participant  TEXT,
    starts_at         BIGINT NOT NULL,
    minutes           BIGINT NOT NULL,
    video_url         TEXT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES users(id),
    created_at        BIGINT NOT NULL,
    held_at           BIGINT,
    note              BYTEA
);
CREATE INDEX meetings_duo ON meetings(duo_id, starts_at);

CREATE TABLE meeting_staff (
    meeting_id  TEXT NOT NULL REFERENCES meetings(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_staff_user ON meeting_staff(user_id, starts_at);

CREATE TABLE jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE,
    payload       TEXT NOT NULL,
    run_at        BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    max_attempts  BIGINT NOT NULL DEFAULT 8,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    locked_by     TEXT NOT NULL DEFAULT '',
    done_at       BIGINT,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(done_at, run_at);

CREATE TABLE agreement_versions (
    id            TEXT PRIMARY KEY,
    duo_id        TEXT NOT NULL REFERENCES duos(id),
    version       BIGINT NOT NULL,
    sections      BYTEA NOT NULL,
    content_hash  TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (duo_id, version)
);

CREATE TABLE agreement_signatures (
    id              TEXT PRIMARY KEY,
    duo_id          TEXT NOT NULL REFERENCES duos(id),
    version         BIGINT NOT NULL,
    content_hash    TEXT NOT NULL,
    participant_id  TEXT,
    user_id         TEXT NOT NULL REFERENCES users(id),
    role            TEXT NOT NULL,
    signed_at       BIGINT NOT NULL,
    UNIQUE (duo_id, version, user_id)
);

CREATE TABLE consent_withdrawals (
    id              TEXT PRIMARY KEY,
    participant_id  TEXT NOT NULL REFERENCES participants(id),
    item            TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX consent_withdrawals_participant ON consent_withdrawals(participant_id, at);

CREATE TABLE checklist (
    duo_id          TEXT NOT NULL REFERENCES duos(id),
    item            TEXT NOT NULL,
    participant_id  TEXT NOT NULL DEFAULT '',
    done            BIGINT NOT NULL,
    by_user         TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (duo_id, item, participant_id)
);

CREATE TABLE washout_confirmations (
    duo_id          TEXT NOT NULL REFERENCES duos(id),
    participant_id  TEXT NOT NULL REFERENCES participants(id),
    confirmed_by    TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (duo_id, participant_id)
);
