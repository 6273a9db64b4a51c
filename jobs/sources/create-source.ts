// One entry point for the ingest job: builds the DataSource named by
// `--source` from the job's flags and environment.
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import { createGoogleHealthSource, googleHealthUrlsFromEnv } from "./google-health/client.ts";
import { createSecretTokenStore, parseSecretRef } from "./google-health/secret-token-store.ts";
import { createFileTokenStore } from "./google-health/token-store.ts";
import { hash32 } from "./synthetic/prng.ts";
import { createSyntheticSource } from "./synthetic/index.ts";
import type { DataSource } from "./types.ts";

export const SOURCE_NAMES = ["synthetic", "google-health"] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export interface SourceSelection {
  source: string;
  participantId: string;
  /** synthetic: default derived from the participant id, so re-runs agree. */
  seed?: number;
  /** synthetic: default "compliant". */
  profile?: string;
  /** synthetic: the participant's IANA zone. */
  timeZone?: string;
  /** synthetic: reference time (what has synced); default the wall clock. */
  now?: Date;
  /** google-health: "NS/NAME" of the Secret with client_id, client_secret, refresh_token. */
  tokenSecret?: string;
  /** google-health, local development: a JSON token file instead of a Secret. */
  tokenFile?: string;
  /** google-health: default KubeConfig.loadFromDefault() (in-cluster in a Job). */
  kubeConfig?: k8s.KubeConfig;
  /** GOOGLE_HEALTH_API_BASE_URL and GOOGLE_OAUTH_TOKEN_URL are read from here. Default process.env. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** The seed a participant gets when none is configured: stable across runs. */
export function defaultSeedFor(participantId: string): number {
  return hash32(`seed|${participantId}`);
}

export function createDataSource(sel: SourceSelection): DataSource {
  if (sel.source === "synthetic") {
    return createSyntheticSource({
      participantId: sel.participantId,
      seed: sel.seed ?? defaultSeedFor(sel.participantId),
      profile: sel.profile ?? "compliant",
      timeZone: sel.timeZone,
      now: sel.now,
    });
  }
  if (sel.source === "google-health") {
    let tokenStore;
    if (sel.tokenSecret) {
      const ref = parseSecretRef(sel.tokenSecret);
      let kubeConfig = sel.kubeConfig;
      if (!kubeConfig) {
        kubeConfig = new k8s.KubeConfig();
        kubeConfig.loadFromDefault();
      }
      tokenStore = createSecretTokenStore({ ...ref, kubeConfig, logger: sel.logger });
    } else if (sel.tokenFile) {
      tokenStore = createFileTokenStore(sel.tokenFile);
    } else {
      throw new Error("--token-secret: required with --source google-health (NAMESPACE/NAME of the Secret holding client_id, client_secret, refresh_token)");
    }
    return createGoogleHealthSource({ tokenStore, ...googleHealthUrlsFromEnv(sel.env), logger: sel.logger });
  }
  throw new Error(`--source: "${sel.source}" is not a source; use one of ${SOURCE_NAMES.join(", ")}`);
}
