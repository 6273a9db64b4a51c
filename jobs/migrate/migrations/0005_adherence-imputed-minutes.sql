-- Imputed heart-rate minutes per participant-day, kept beside the wear counts
-- so the adherence overview can show the imputed share without counting
-- imputed_samples over the whole period (242 ms at 1,000 participants x 90
-- days in bench/dashboards). Maintained by the impute job (for the days it
-- rewrote) and by the ingest rollup (for the days it recomputes). It never
-- counts toward wear_minutes or valid_day.
ALTER TABLE adherence_daily ADD COLUMN IF NOT EXISTS imputed_minutes integer NOT NULL DEFAULT 0;
