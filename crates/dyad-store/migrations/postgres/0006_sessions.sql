-- Session day: rooms, booked sessions with their team (a staff calendar beside
-- meeting_staff), and the append-only, sealed event log of the live console.

CREATE TABLE rooms (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_by  TEXT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    duo_id           TEXT NOT NULL REFERENCES duos(id),
    participant_id   TEXT,
    room_id          TEXT NOT NULL REFERENCES rooms(id),
    starts_at        BIGINT NOT NULL,
    ends_at          BIGINT NOT NULL,
    overnight        BIGINT NOT NULL,
    escort           BYTEA,
    support_contact  BYTEA,
    status           TEXT NOT NULL CHECK (status IN ('booked', 'running', 'closed')),
    created_by       TEXT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    closed_at        BIGINT
);
CREATE INDEX sessions_duo ON sessions(duo_id, starts_at);
CREATE INDEX sessions_room ON sessions(room_id, starts_at);

CREATE TABLE session_staff (
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    user_id     TEXT NOT NULL REFERENCES users(id),
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_staff_user ON session_staff(user_id, starts_at);

CREATE TABLE session_events (
    id              TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL REFERENCES sessions(id),
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    participant_id  TEXT,
    corrects        TEXT,
    author_id       TEXT NOT NULL REFERENCES users(id),
    at              BIGINT NOT NULL,
    body            BYTEA NOT NULL,
    client_key      TEXT,
    UNIQUE (session_id, seq)
);
-- A console that lost its connection sends its entries again with the same key: stored once.
CREATE UNIQUE INDEX session_events_client ON session_events(session_id, client_key);
