-- migrate:no-transaction
-- Continuous-aggregate DDL must not run inside a transaction block, so this
-- step runs statement by statement; each statement is idempotent on its own.
CREATE MATERIALIZED VIEW IF NOT EXISTS heart_rate_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT participant_id,
       time_bucket(INTERVAL '1 hour', ts) AS bucket,
       avg(value) AS avg_bpm,
       min(value) AS min_bpm,
       max(value) AS max_bpm,
       count(*) AS sample_count
FROM samples
WHERE metric = 'heart_rate'
GROUP BY participant_id, time_bucket(INTERVAL '1 hour', ts)
WITH NO DATA;
