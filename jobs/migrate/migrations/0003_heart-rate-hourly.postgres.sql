-- Plain PostgreSQL: the same name and columns as the TimescaleDB continuous
-- aggregate (UTC hour buckets, as time_bucket), computed on read.
CREATE OR REPLACE VIEW heart_rate_hourly AS
SELECT participant_id,
       date_trunc('hour', ts, 'UTC') AS bucket,
       avg(value) AS avg_bpm,
       min(value) AS min_bpm,
       max(value) AS max_bpm,
       count(*) AS sample_count
FROM samples
WHERE metric = 'heart_rate'
GROUP BY participant_id, date_trunc('hour', ts, 'UTC');
