-- Journal entries: each participant's own, tagged mine / theirs / ours, private by default,
-- shared entry by entry with the partner and/or the care team.
CREATE TABLE journal_entries (
    id                 TEXT PRIMARY KEY,
    participant_id     TEXT NOT NULL REFERENCES participants(id),
    duo_id             TEXT NOT NULL REFERENCES duos(id),
    tag                TEXT NOT NULL CHECK (tag IN ('mine', 'theirs', 'ours')),
    body               BLOB NOT NULL,
    share_partner      BIGINT NOT NULL DEFAULT 0,
    share_team         BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX journal_entries_participant ON journal_entries(participant_id, created_at);
CREATE INDEX journal_entries_duo ON journal_entries(duo_id, created_at);
