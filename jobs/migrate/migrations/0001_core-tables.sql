-- Core tables shared by every component (names are a cross-component contract).
-- Runs inside one transaction: either all tables exist afterwards or none.

CREATE TABLE IF NOT EXISTS participants (
  participant_id text PRIMARY KEY CHECK (participant_id <> ''),
  time_zone      text NOT NULL DEFAULT 'UTC',
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Raw samples. The key makes every write an upsert: a re-run or a re-read
-- window rewrites the same rows instead of duplicating them. Steps: one row
-- per minute, ts = minute start.
CREATE TABLE IF NOT EXISTS samples (
  participant_id text NOT NULL,
  metric         text NOT NULL CHECK (metric IN ('heart_rate', 'steps', 'spo2', 'hrv', 'resting_heart_rate')),
  ts             timestamptz NOT NULL,
  value          double precision NOT NULL,
  source         text NOT NULL DEFAULT '',
  ingested_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, metric, ts, source)
);

CREATE TABLE IF NOT EXISTS sleep_sessions (
  participant_id  text NOT NULL,
  session_id      text NOT NULL,
  start_time      timestamptz NOT NULL,
  end_time        timestamptz NOT NULL,
  sleep_type      text NOT NULL CHECK (sleep_type IN ('STAGES', 'CLASSIC')),
  is_main         boolean NOT NULL,
  minutes_asleep  integer NOT NULL CHECK (minutes_asleep >= 0),
  source          text NOT NULL DEFAULT '',
  manually_edited boolean NOT NULL DEFAULT false,
  ingested_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, session_id),
  CHECK (end_time > start_time)
);
CREATE INDEX IF NOT EXISTS sleep_sessions_by_end ON sleep_sessions (participant_id, end_time);

CREATE TABLE IF NOT EXISTS sleep_stages (
  participant_id text NOT NULL,
  session_id     text NOT NULL,
  start_time     timestamptz NOT NULL,
  end_time       timestamptz NOT NULL,
  stage          text NOT NULL CHECK (stage IN ('AWAKE', 'LIGHT', 'DEEP', 'REM', 'ASLEEP', 'RESTLESS')),
  PRIMARY KEY (participant_id, session_id, start_time),
  FOREIGN KEY (participant_id, session_id) REFERENCES sleep_sessions ON DELETE CASCADE
);

-- Imputed values live apart from raw samples so an imputed minute can never
-- count toward wear or valid days.
CREATE TABLE IF NOT EXISTS imputed_samples (
  participant_id text NOT NULL,
  metric         text NOT NULL,
  ts             timestamptz NOT NULL,
  value          double precision NOT NULL,
  lower          double precision,
  upper          double precision,
  method         text NOT NULL,
  run_id         bigint,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, metric, ts)
);

CREATE TABLE IF NOT EXISTS ingest_watermarks (
  participant_id text NOT NULL,
  metric         text NOT NULL,
  watermark      timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, metric)
);

CREATE TABLE IF NOT EXISTS pipeline_runs (
  id             bigserial PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('ingest', 'impute')),
  participant_id text,
  metric         text,
  started_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  rows_written   bigint NOT NULL DEFAULT 0,
  rows_rejected  bigint NOT NULL DEFAULT 0,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  error          text
);
CREATE INDEX IF NOT EXISTS pipeline_runs_by_participant ON pipeline_runs (participant_id, kind, started_at DESC);

-- One row per participant and local day (the participant's time zone).
CREATE TABLE IF NOT EXISTS adherence_daily (
  participant_id     text NOT NULL,
  day                date NOT NULL,
  wear_minutes       integer NOT NULL DEFAULT 0,
  valid_day          boolean NOT NULL DEFAULT false,
  steps              bigint NOT NULL DEFAULT 0,
  sleep_minutes      integer NOT NULL DEFAULT 0,
  main_sleep_missing boolean NOT NULL DEFAULT true,
  sleep_classic      boolean NOT NULL DEFAULT false,
  last_sync_at       timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (participant_id, day)
);

CREATE TABLE IF NOT EXISTS participant_contacts (
  participant_id text PRIMARY KEY,
  email          text NOT NULL
);

CREATE TABLE IF NOT EXISTS contact_requests (
  id             bigserial PRIMARY KEY,
  participant_id text NOT NULL,
  template       text NOT NULL,
  message        text,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  requested_by   text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  sent_at        timestamptz
);
CREATE INDEX IF NOT EXISTS contact_requests_by_status ON contact_requests (status, created_at);
CREATE INDEX IF NOT EXISTS contact_requests_by_participant ON contact_requests (participant_id, created_at DESC);
