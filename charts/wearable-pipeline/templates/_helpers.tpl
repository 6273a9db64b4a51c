{{/*
Names and labels, in one place (the style guide: never repeat label blocks).
*/}}

{{- define "wearable-pipeline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-aware full name, at most 63 characters (DNS label). */}}
{{- define "wearable-pipeline.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<component>", trimmed so the suffix always survives. */}}
{{- define "wearable-pipeline.componentName" -}}
{{- $full := include "wearable-pipeline.fullname" .root }}
{{- printf "%s-%s" ($full | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component }}
{{- end }}

{{- define "wearable-pipeline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "wearable-pipeline.namespace" -}}
{{- .Release.Namespace }}
{{- end }}

{{/* Common labels; `component` is optional. */}}
{{- define "wearable-pipeline.labels" -}}
{{- $root := .root | default . }}
helm.sh/chart: {{ include "wearable-pipeline.chart" $root }}
{{ include "wearable-pipeline.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/part-of: wearable-pipeline
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "wearable-pipeline.selectorLabels" -}}
{{- $root := .root | default . }}
app.kubernetes.io/name: {{ include "wearable-pipeline.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end }}

{{/* The label kube-prometheus-stack's ruleSelector / serviceMonitorSelector match. */}}
{{- define "wearable-pipeline.monitoringLabels" -}}
{{- with .Values.monitoring.releaseLabel }}
release: {{ . | quote }}
{{- end }}
{{- end }}

{{- define "wearable-pipeline.operatorServiceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (include "wearable-pipeline.componentName" (dict "root" . "component" "operator")) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "wearable-pipeline.jobsServiceAccountName" -}}
{{- if .Values.jobs.serviceAccount.create }}
{{- default (include "wearable-pipeline.componentName" (dict "root" . "component" "jobs")) .Values.jobs.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.jobs.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "wearable-pipeline.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* TimescaleDB runs in the chart (mode internal) or elsewhere (mode external). */}}
{{- define "wearable-pipeline.internalDb" -}}
{{- if eq .Values.database.mode "internal" }}true{{ end }}
{{- end }}

{{/* Secret holding the application connection (keys host, port, dbname, username, password, uri). */}}
{{- define "wearable-pipeline.dbSecretName" -}}
{{- if eq .Values.database.mode "external" }}
{{- required "database.external.secretName is required when database.mode is external (a Secret with keys host, port, dbname, username, password, uri — e.g. a CloudNativePG <cluster>-app Secret)" .Values.database.external.secretName }}
{{- else if .Values.database.internal.existingSecret }}
{{- .Values.database.internal.existingSecret }}
{{- else }}
{{- include "wearable-pipeline.componentName" (dict "root" . "component" "db") }}
{{- end }}
{{- end }}

{{/* Secret holding the read-only (Grafana) role's credentials; always chart-managed. */}}
{{- define "wearable-pipeline.readerSecretName" -}}
{{- include "wearable-pipeline.componentName" (dict "root" . "component" "db-reader") }}
{{- end }}

{{- define "wearable-pipeline.dbServiceName" -}}
{{- include "wearable-pipeline.componentName" (dict "root" . "component" "timescaledb") }}
{{- end }}

{{/*
A value kept across upgrades: the existing Secret's key if the Secret exists
(lookup), else a fresh random string. `helm template` has no cluster, so it
always generates; the chart README says so.
*/}}
{{- define "wearable-pipeline.keptSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .namespace .name }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}

{{/* Restricted-profile container security context, shared by every container we build. */}}
{{- define "wearable-pipeline.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "wearable-pipeline.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* DATABASE_URL from the connection Secret: the one env every pipeline process reads. */}}
{{- define "wearable-pipeline.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "wearable-pipeline.dbSecretName" . }}
      key: uri
{{- end }}

{{/*
The operator's configuration, as env. Names match operator/src/runtime/config.ts
(zod-validated at start-up); test/integration/chart-render.test.ts checks them.
*/}}
{{- define "wearable-pipeline.operatorConfigEnv" -}}
- name: WEARABLE_IMAGE
  value: {{ include "wearable-pipeline.image" . | quote }}
- name: WEARABLE_IMAGE_PULL_POLICY
  value: {{ .Values.image.pullPolicy | quote }}
- name: WEARABLE_JOB_SERVICE_ACCOUNT
  value: {{ include "wearable-pipeline.jobsServiceAccountName" . | quote }}
# Jobs read DATABASE_URL from this Secret in their own (the Participant's) namespace.
- name: WEARABLE_DB_SECRET_NAME
  value: {{ include "wearable-pipeline.dbSecretName" . | quote }}
- name: WEARABLE_DB_SECRET_KEY
  value: uri
- name: WEARABLE_LEADER_ELECT
  value: {{ .Values.operator.leaderElection | quote }}
- name: WEARABLE_LEADER_ELECTION_ID
  value: {{ include "wearable-pipeline.componentName" (dict "root" . "component" "operator") | quote }}
{{- if .Values.participantNamespaces }}
- name: WEARABLE_NAMESPACES
  value: {{ include "wearable-pipeline.jobNamespaces" . | fromJsonArray | join "," | quote }}
{{- end }}
- name: WEARABLE_JOB_CPU_REQUEST
  value: {{ .Values.jobs.resources.requests.cpu | quote }}
- name: WEARABLE_JOB_MEMORY_REQUEST
  value: {{ .Values.jobs.resources.requests.memory | quote }}
- name: WEARABLE_JOB_MEMORY_LIMIT
  value: {{ .Values.jobs.resources.limits.memory | quote }}
{{ include "wearable-pipeline.databaseEnv" . }}
{{- end }}

{{/* Namespaces that get the jobs ServiceAccount, its RoleBinding and the DB Secret: the release's plus participantNamespaces. */}}
{{- define "wearable-pipeline.jobNamespaces" -}}
{{- $all := prepend (.Values.participantNamespaces | default list) (include "wearable-pipeline.namespace" .) | uniq }}
{{- toJson $all }}
{{- end }}

{{/* libpq env (PGHOST...) from the connection Secret; user/password from `userSecret`. */}}
{{- define "wearable-pipeline.pgEnv" -}}
{{- range $env, $key := dict "PGHOST" "host" "PGPORT" "port" "PGDATABASE" "dbname" }}
- name: {{ $env }}
  valueFrom:
    secretKeyRef:
      name: {{ $.secret }}
      key: {{ $key }}
{{- end }}
- name: PGUSER
  valueFrom:
    secretKeyRef:
      name: {{ .userSecret }}
      key: username
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .userSecret }}
      key: password
{{- end }}

{{/* Flags for `wearable outreach`; names match outreach/cli.ts. */}}
{{- define "wearable-pipeline.outreachArgs" -}}
- --port={{ .Values.outreach.port }}
{{- if .Values.outreach.contactsSecretName }}
- --contacts-dir=/contacts
{{- end }}
{{- with .Values.outreach.participantNamespace }}
- --participant-namespace={{ . }}
{{- end }}
{{- end }}
