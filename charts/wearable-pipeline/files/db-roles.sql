-- The read-only role Grafana's data source uses. Idempotent: the db-roles hook
-- runs it after every install and upgrade (after `wearable migrate`, so the
-- grants cover tables the migrations just created).
-- psql variables: reader_user, reader_password. Identifiers and the password
-- are quoted by format(%I / %L), never spliced into SQL text.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN', :'reader_user')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'reader_user') \gexec

-- Re-applied every run so a rotated Secret takes effect on the next upgrade.
-- (No NOSUPERUSER here: only a superuser may even restate it, and new roles
-- are never superusers anyway.)
SELECT format('ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'reader_user', :'reader_password') \gexec
-- Belt and braces: even a mistaken GRANT cannot let a dashboard write.
SELECT format('ALTER ROLE %I SET default_transaction_read_only = on', :'reader_user') \gexec
SELECT format('ALTER ROLE %I SET statement_timeout = %L', :'reader_user', '60s') \gexec

SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), :'reader_user') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'reader_user') \gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', :'reader_user') \gexec
-- Tables a later migration creates (as the current role) are readable too.
SELECT format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO %I', :'reader_user') \gexec

-- Contact addresses are personal data; dashboards never need them.
SELECT format('REVOKE ALL ON TABLE public.participant_contacts FROM %I', :'reader_user')
WHERE to_regclass('public.participant_contacts') IS NOT NULL \gexec
