#!/usr/bin/env bash
# The kind path, end to end. Needs Docker, kind, kubectl and helm — none of
# which exist on the project's build machines, so this runs in CI
# (.github/workflows/e2e-kind.yaml) and on developer laptops, not in `make test`.
#
# Usage: hack/e2e-kind.sh demo-crs   apply sample Participants (synthetic source)
#        hack/e2e-kind.sh test       assert data reaches TimescaleDB and an alert fires
set -euo pipefail

NS="${WEARABLE_NAMESPACE:-wearables}"
RELEASE="${WEARABLE_RELEASE:-wearable}"
MON_NS="${MONITORING_NAMESPACE:-monitoring}"
FULL="${RELEASE}-wearable-pipeline"

log() { echo "e2e-kind: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

demo_crs() {
  # Synthetic participants with different adherence profiles: Grafana fills
  # within minutes (the first ingest backfills backfillDays of data).
  local i profile
  i=0
  for profile in compliant nonwear-nights dropout-prone; do
    i=$((i + 1))
    kubectl apply -f - <<YAML
apiVersion: wearables.dev/v1alpha1
kind: Participant
metadata:
  name: demo-p00${i}
  namespace: ${NS}
spec:
  participantId: DEMO00${i}
  source:
    synthetic: {seed: ${i}, profile: ${profile}}
  backfillDays: 14
  # Every 10 minutes, so the demo keeps moving.
  schedule: "*/10 * * * *"
YAML
  done
  # Do not wait for the schedule: start each participant's first ingest now.
  local cj
  for cj in $(kubectl -n "$NS" get cronjobs -l app.kubernetes.io/component=ingest -o name); do
    kubectl -n "$NS" create job --from="$cj" "${cj#cronjob.batch/}-first-$(date +%s)" >/dev/null
  done
  log "demo participants applied; watch with: kubectl -n $NS get pt -w"
}

psql_db() {
  # The single quotes are deliberate: $POSTGRES_USER/$POSTGRES_DB expand inside the container.
  # shellcheck disable=SC2016
  kubectl -n "$NS" exec "sts/${FULL}-timescaledb" -c timescaledb -- \
    sh -c 'psql -X -tA -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$1"' _ "$1"
}

e2e_test() {
  log "waiting for the operator, the database and the migrations"
  kubectl -n "$NS" rollout status "deploy/${FULL}-operator" --timeout=300s
  kubectl -n "$NS" rollout status "sts/${FULL}-timescaledb" --timeout=600s

  # An alert we can see fire in a minute: ingest "stale" after 36 s, no `for`.
  log "tightening WearableIngestStale for the test"
  helm upgrade "$RELEASE" charts/wearable-pipeline -n "$NS" --reuse-values \
    --set-json monitoring.alerts.ingestStaleHours=0.01 \
    --set monitoring.alerts.forOverrides.WearableIngestStale=0s --wait --timeout 10m

  demo_crs
  # A participant that never ingests (suspended): it must go stale and alert.
  kubectl apply -f - <<YAML
apiVersion: wearables.dev/v1alpha1
kind: Participant
metadata: {name: e2e-stale, namespace: ${NS}}
spec:
  participantId: E2ESTALE
  source: {synthetic: {seed: 99, profile: compliant}}
  suspend: true
YAML

  log "waiting for the first ingest Jobs to complete"
  kubectl -n "$NS" wait --for=condition=complete job -l app.kubernetes.io/component=ingest --timeout=600s

  log "checking that samples reached TimescaleDB"
  local rows
  rows="$(psql_db "SELECT count(*) FROM samples WHERE participant_id LIKE 'DEMO%'")"
  [[ "$rows" =~ ^[0-9]+$ && "$rows" -gt 0 ]] || fail "no samples in TimescaleDB (got '$rows')"
  log "samples in TimescaleDB: $rows"

  log "checking that Grafana's read-only role can read them and cannot write"
  local reader_user reader_pw
  reader_user="$(kubectl -n "$NS" get secret "${FULL}-db-reader" -o jsonpath='{.data.username}' | base64 -d)"
  reader_pw="$(kubectl -n "$NS" get secret "${FULL}-db-reader" -o jsonpath='{.data.password}' | base64 -d)"
  as_reader() {
    kubectl -n "$NS" exec "sts/${FULL}-timescaledb" -c timescaledb -- \
      env PGPASSWORD="$reader_pw" psql -X -tA -h 127.0.0.1 -U "$reader_user" -d "$(psql_db 'SELECT current_database()')" -c "$1"
  }
  [[ "$(as_reader "SELECT count(*) > 0 FROM samples")" == "t" ]] || fail "the reader role cannot read samples"
  if as_reader "DELETE FROM samples WHERE false" >/dev/null 2>&1; then fail "the reader role can write"; fi

  log "waiting for WearableIngestStale to reach Alertmanager"
  local deadline=$((SECONDS + 300)) found=""
  while (( SECONDS < deadline )); do
    found="$(curl -fsS --get 'http://127.0.0.1:9093/api/v2/alerts' \
      --data-urlencode 'filter=alertname="WearableIngestStale"' \
      --data-urlencode 'filter=participant="e2e-stale"' || true)"
    [[ "$found" == *'"WearableIngestStale"'* ]] && break
    sleep 10
  done
  [[ "$found" == *'"WearableIngestStale"'* ]] || fail "WearableIngestStale for e2e-stale never reached Alertmanager"
  log "alert received by Alertmanager: WearableIngestStale participant=e2e-stale"

  log "checking Grafana has the dashboards"
  local auth
  auth="$(kubectl -n "$MON_NS" get secret grafana-admin -o jsonpath='{.data.admin-user}' | base64 -d):$(kubectl -n "$MON_NS" get secret grafana-admin -o jsonpath='{.data.admin-password}' | base64 -d)"
  local uid
  for uid in wearable-adherence-overview wearable-participant-detail wearable-pipeline-health; do
    curl -fsS -u "$auth" "http://127.0.0.1:3000/api/dashboards/uid/${uid}" >/dev/null || fail "Grafana has no dashboard ${uid}"
  done
  log "PASSED"
}

case "${1:-}" in
  demo-crs) demo_crs ;;
  test) e2e_test ;;
  *) echo "usage: $0 demo-crs|test" >&2; exit 2 ;;
esac
