-- Duos, their participants, invitations, the phase log, consent documents and acceptances,
-- private withdrawals, and each participant's message thread with the care team.

CREATE TABLE duos (
    id            TEXT PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    relationship  TEXT NOT NULL,
    phase         TEXT NOT NULL,
    phase_since   BIGINT NOT NULL,
    paused_from   TEXT,
    format        TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX duos_phase ON duos(phase, phase_since);

CREATE TABLE participants (
    id             TEXT PRIMARY KEY,
    duo_id         TEXT NOT NULL REFERENCES duos(id),
    user_id        TEXT UNIQUE REFERENCES users(id),
    code           TEXT NOT NULL UNIQUE,
    member_role    TEXT NOT NULL CHECK (member_role IN ('inviter', 'invitee')),
    motivation     BYTEA,
    created_at     BIGINT NOT NULL
);
CREATE INDEX participants_duo ON participants(duo_id);

CREATE TABLE duo_team (
    duo_id     TEXT NOT NULL REFERENCES duos(id),
    user_id    TEXT NOT NULL REFERENCES users(id),
    team_role  TEXT NOT NULL,
    PRIMARY KEY (duo_id, user_id)
);
CREATE INDEX duo_team_user ON duo_team(user_id);

CREATE TABLE invitations (
    id              TEXT PRIMARY KEY,
    duo_id          TEXT NOT NULL REFERENCES duos(id),
    partner_name    TEXT NOT NULL,
    partner_email   TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX invitations_duo ON invitations(duo_id);

CREATE TABLE phase_log (
    id          TEXT PRIMARY KEY,
    duo_id      TEXT NOT NULL REFERENCES duos(id),
    from_phase  TEXT NOT NULL,
    to_phase    TEXT NOT NULL,
    transition  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX phase_log_duo ON phase_log(duo_id, at);

CREATE TABLE consent_documents (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    version       TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    effective_at  BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (kind, version)
);

CREATE TABLE consent_acceptances (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id),
    document_id  TEXT NOT NULL REFERENCES consent_documents(id),
    accepted_at  BIGINT NOT NULL,
    method       TEXT NOT NULL,
    UNIQUE (user_id, document_id)
);

CREATE TABLE withdrawals (
    id              TEXT PRIMARY KEY,
    duo_id          TEXT NOT NULL REFERENCES duos(id),
    participant_id  TEXT NOT NULL REFERENCES participants(id),
    reason          BYTEA,
    at              BIGINT NOT NULL
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    participant_id  TEXT NOT NULL REFERENCES participants(id),
    author_id       TEXT NOT NULL REFERENCES users(id),
    from_team       BIGINT NOT NULL,
    body            BYTEA NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX messages_participant ON messages(participant_id, created_at);
