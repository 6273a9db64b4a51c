-- TimescaleDB only: time-partitioned raw and imputed samples, compressed per
-- participant and metric. The compression and retention POLICIES are not
-- here: their intervals come from configuration and are re-applied on every
-- `wearable migrate` (see jobs/migrate/policies.ts).
SELECT create_hypertable('samples', by_range('ts', INTERVAL '7 days'), if_not_exists => true, migrate_data => true);
SELECT create_hypertable('imputed_samples', by_range('ts', INTERVAL '7 days'), if_not_exists => true, migrate_data => true);

ALTER TABLE samples SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'participant_id, metric',
  timescaledb.compress_orderby = 'ts, source'
);
ALTER TABLE imputed_samples SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'participant_id, metric',
  timescaledb.compress_orderby = 'ts'
);
