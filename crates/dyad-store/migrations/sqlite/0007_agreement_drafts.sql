-- A participant's own parts of the agreement (intention, touch, sharing), drafted privately
-- before they choose to put them into the shared agreement.
CREATE TABLE agreement_drafts (
    participant_id  TEXT PRIMARY KEY REFERENCES participants(id),
    duo_id          TEXT NOT NULL REFERENCES duos(id),
    body            BLOB NOT NULL,
    updated_at      BIGINT NOT NULL
);
