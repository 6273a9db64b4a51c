-- Where a participant's data begins for this study: the start of the first
-- ingest window (backfill). Later trailing-window re-reads never go before it,
-- so no partial day from before enrolment enters samples or adherence_daily.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS ingest_start timestamptz;
