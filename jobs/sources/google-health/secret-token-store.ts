// The production TokenStore: a Kubernetes Secret (named by the Participant,
// passed as --token-secret NS/NAME) with keys client_id, client_secret and
// refresh_token. A rotated refresh token is written back with a replace that
// carries the resourceVersion just read (optimistic concurrency): a
// concurrent writer makes the API server answer 409, and we re-read and try
// again instead of overwriting a Secret we have not seen.
import * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import { PermanentSourceError } from "../types.ts";
import { CREDENTIAL_KEYS, credentialsFrom, type TokenStore } from "./token-store.ts";

export interface SecretRef {
  namespace: string;
  name: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** Parses "NS/NAME" (the --token-secret flag). */
export function parseSecretRef(text: string, flag = "--token-secret"): SecretRef {
  const [namespace, name, ...rest] = text.split("/");
  const ok =
    rest.length === 0 &&
    namespace !== undefined && namespace.length <= 63 && DNS_LABEL.test(namespace) &&
    name !== undefined && name.length <= 253 && DNS_SUBDOMAIN.test(name);
  if (!ok) throw new Error(`${flag}: "${text}" is not NAMESPACE/NAME of a Secret, e.g. study-a/p001-google-oauth`);
  return { namespace, name };
}

export interface SecretTokenStoreOptions extends SecretRef {
  kubeConfig: k8s.KubeConfig;
  logger?: Logger;
  /** Attempts of the read-modify-replace loop on 409 Conflict. Default 5. */
  maxConflictRetries?: number;
  /** A client to use instead of one made from kubeConfig (shared clients, tests). */
  coreApi?: Pick<k8s.CoreV1Api, "readNamespacedSecret" | "replaceNamespacedSecret">;
}

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));

function codeOf(err: unknown): number | undefined {
  return err instanceof k8s.ApiException ? err.code : (err as { code?: number }).code;
}

export function createSecretTokenStore(opts: SecretTokenStoreOptions): TokenStore {
  const core = opts.coreApi ?? opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const description = `Secret ${opts.namespace}/${opts.name}`;
  const { namespace, name } = opts;

  const read = async (): Promise<k8s.V1Secret> => {
    try {
      return await core.readNamespacedSecret({ namespace, name });
    } catch (err) {
      const code = codeOf(err);
      if (code === 404) {
        throw new PermanentSourceError(`${description} not found; create it with keys ${Object.values(CREDENTIAL_KEYS).join(", ")} (the Participant's tokenSecret names it)`);
      }
      if (code === 403) throw new PermanentSourceError(`${description} cannot be read: the job's ServiceAccount needs get and update on this Secret`);
      throw new Error(`while reading ${description}: HTTP ${code ?? "?"}`, { cause: err });
    }
  };

  return {
    description,
    async load() {
      return credentialsFrom(decode((await read()).data), description);
    },
    async saveRefreshToken(next, previous) {
      const attempts = opts.maxConflictRetries ?? 5;
      for (let attempt = 1; ; attempt++) {
        const secret = await read();
        const current = decode(secret.data)[CREDENTIAL_KEYS.refreshToken];
        if (current === next) return;
        if (current !== previous) {
          // Another run stored a token meanwhile. Ours was just issued, so it is valid too; keep the newest.
          opts.logger?.warn({ secret: description }, "Refresh token in Secret changed concurrently; storing the newer one");
        }
        const body: k8s.V1Secret = {
          ...secret,
          data: { ...secret.data, [CREDENTIAL_KEYS.refreshToken]: Buffer.from(next, "utf8").toString("base64") },
        };
        try {
          // metadata.resourceVersion from the read makes this a compare-and-swap.
          await core.replaceNamespacedSecret({ namespace, name, body });
          opts.logger?.info({ secret: description }, "Stored rotated refresh token in Secret");
          return;
        } catch (err) {
          const code = codeOf(err);
          if (code === 409 && attempt < attempts) {
            opts.logger?.debug({ secret: description, attempt }, "Secret changed since it was read (409); re-reading");
            continue;
          }
          if (code === 403) throw new PermanentSourceError(`${description} cannot be updated with the rotated refresh token: the job's ServiceAccount needs update on this Secret`);
          throw new Error(`while storing the rotated refresh token in ${description} (attempt ${attempt}): HTTP ${code ?? "?"}`, { cause: err });
        }
      }
    },
  };
}
