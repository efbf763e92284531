-- Identity, sessions, single-use tokens, throttling, data keys and the audit trail.
-- Portable column subset shared with PostgreSQL: TEXT, BIGINT (flags 0/1, times in UTC
-- microseconds) and BLOB (BYTEA there).

CREATE TABLE users (
    id                    TEXT PRIMARY KEY,
    email                 TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    password_hash         TEXT NOT NULL,
    kind                  TEXT NOT NULL CHECK (kind IN ('staff', 'participant')),
    roles                 TEXT NOT NULL,
    must_change_password  BIGINT NOT NULL DEFAULT 0,
    totp_secret           BLOB,
    totp_enabled          BIGINT NOT NULL DEFAULT 0,
    totp_last_step        BIGINT NOT NULL DEFAULT 0,
    active                BIGINT NOT NULL DEFAULT 1,
    email_verified        BIGINT NOT NULL DEFAULT 0,
    participant_id        TEXT UNIQUE,
    lang                  TEXT NOT NULL DEFAULT 'en',
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE auth_sessions (
    token_hash     TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_seen_at   BIGINT NOT NULL,
    idle_micros    BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE purpose_tokens (
    token_hash  TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX purpose_tokens_subject ON purpose_tokens(subject_id, purpose);

CREATE TABLE login_throttle (
    throttle_key   TEXT PRIMARY KEY,
    failures       BIGINT NOT NULL,
    last_failure   BIGINT NOT NULL,
    blocked_until  BIGINT NOT NULL
);

CREATE TABLE data_keys (
    owner_id      TEXT PRIMARY KEY,
    wrapped_key   BLOB,
    master_key_id TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    destroyed_at  BIGINT
);

CREATE TABLE break_glass (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    duo_id      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    granted_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX break_glass_user ON break_glass(user_id, duo_id);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    resource    TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    flags       TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log(subject_id, seq);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
