// Container args for the jobs a Participant runs, per the jobs contract in
// the team brief (`wearable ingest ...`, `wearable impute ...`).
import type { Participant } from "../api/v1alpha1/participant-types.ts";

export function buildIngestArgs(pt: Participant): string[] {
  const { spec } = pt;
  const args = ["ingest", "--participant", spec.participantId];
  if (spec.source.googleHealth) {
    args.push("--source", "google-health", "--token-secret", `${pt.metadata.namespace}/${spec.source.googleHealth.secretRef.name}`);
  } else {
    const syn = spec.source.synthetic ?? {};
    // Unset seed and profile are left to the job, which derives the seed from the participant id.
    args.push("--source", "synthetic");
    if (syn.seed !== undefined) args.push("--seed", String(syn.seed));
    if (syn.profile) args.push("--profile", syn.profile);
  }
  args.push("--metrics", spec.metrics.join(","), "--backfill-days", String(spec.backfillDays), "--time-zone", spec.timeZone);
  return args;
}

export interface ImputeArgsInput {
  participantId: string;
  metric: string;
  method: string;
  maxGap: string;
  lookback?: string;
  from?: string;
  to?: string;
}

export function buildImputeArgs(i: ImputeArgsInput): string[] {
  const range = i.lookback !== undefined ? ["--lookback", i.lookback] : ["--from", i.from ?? "", "--to", i.to ?? ""];
  return ["impute", "--participant", i.participantId, "--metric", i.metric, ...range, "--method", i.method, "--max-gap", i.maxGap];
}
