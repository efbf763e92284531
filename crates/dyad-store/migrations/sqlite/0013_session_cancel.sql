-- A booked session day can be cancelled before it starts. The row stays as a record: its
-- status becomes closed (0006's CHECK knows booked, running and closed, and SQLite cannot
-- widen a CHECK without rebuilding a table others reference) with cancelled_at set, so the
-- room and the staff it booked are free again. The reason is sealed under the duo's key.
ALTER TABLE sessions ADD COLUMN cancelled_at BIGINT;
ALTER TABLE sessions ADD COLUMN cancelled_by TEXT REFERENCES users(id);
ALTER TABLE sessions ADD COLUMN cancel_reason BLOB;

-- Steps the care team takes on a duo's pathway by hand (pause, resume, integration done,
-- next session, close, a cancelled session day), with the reason given, sealed under the
-- duo's key. The phase log holds every step; this adds who gave which reason.
CREATE TABLE pathway_steps (
    id          TEXT PRIMARY KEY,
    duo_id      TEXT NOT NULL REFERENCES duos(id),
    transition  TEXT NOT NULL,
    from_phase  TEXT NOT NULL,
    to_phase    TEXT NOT NULL,
    reason      BLOB,
    actor_id    TEXT NOT NULL REFERENCES users(id),
    at          BIGINT NOT NULL
);
CREATE INDEX pathway_steps_duo ON pathway_steps(duo_id, at);
