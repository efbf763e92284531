-- Aftercare: each participant's check-ins on the protocol's schedule after a session (answers
-- sealed under the participant's key), the alerts a risk answer opens for the duo's care
-- team, and the team's notes on them (sealed under the same participant's key).
CREATE TABLE checkins (
    id                 TEXT PRIMARY KEY,
    participant_id     TEXT NOT NULL REFERENCES participants(id),
    duo_id             TEXT NOT NULL REFERENCES duos(id),
    session_id         TEXT NOT NULL,
    point              TEXT NOT NULL,
    instruments        TEXT NOT NULL,
    due_at             BIGINT NOT NULL,
    closes_at          BIGINT NOT NULL,
    answered_at        BIGINT,
    answers            BLOB,
    created_at         BIGINT NOT NULL,
    UNIQUE (session_id, participant_id, point)
);
CREATE INDEX checkins_participant ON checkins(participant_id, due_at);

CREATE TABLE alerts (
    id                 TEXT PRIMARY KEY,
    duo_id             TEXT NOT NULL REFERENCES duos(id),
    participant_id     TEXT NOT NULL REFERENCES participants(id),
    checkin_id         TEXT REFERENCES checkins(id),
    signals            BLOB NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    opened_at          BIGINT NOT NULL,
    acknowledged_at    BIGINT,
    acknowledged_by    TEXT,
    resolved_at        BIGINT,
    resolved_by        TEXT,
    escalated_at       BIGINT
);
CREATE INDEX alerts_duo ON alerts(duo_id, opened_at);

CREATE TABLE alert_notes (
    id                 TEXT PRIMARY KEY,
    alert_id           TEXT NOT NULL REFERENCES alerts(id),
    author_id          TEXT NOT NULL REFERENCES users(id),
    body               BLOB NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE INDEX alert_notes_alert ON alert_notes(alert_id, created_at);
