-- Whether the screening rules asked for a medication washout, decided once when the
-- version is submitted (from the participant's own answers), so that readiness need not
-- open sealed intake answers each time it is computed. NULL: a version from before this
-- column; readiness screens it once and fills it in.
ALTER TABLE intake_versions ADD COLUMN needs_washout BIGINT;
