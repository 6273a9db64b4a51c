// Where participant email addresses come from. Addresses are personal data:
// they live in the participant_contacts table, in a mounted Secret (a folder
// with one file per participant) or in the Secret a Participant names in
// spec.contactSecretRef, and never in a CR, a log line or a web page.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type * as k8s from "@kubernetes/client-node";
import { z } from "zod";
import type { Queryable } from "./store.ts";
import { PARTICIPANT_ID_PATTERN } from "./submission.ts";

export interface ContactSource {
  /** Short name for logs and errors ("database", "secret-dir", "kubernetes"). */
  readonly name: string;
  /** The participant's address, or null when this source has none. */
  lookup(participantId: string): Promise<string | null>;
}

export class InvalidContactError extends Error {
  override name = "InvalidContactError";
}

const emailSchema = z.email();

function checked(source: string, participantId: string, raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const address = raw.trim();
  if (address === "") return null;
  if (!emailSchema.safeParse(address).success) {
    // The message names the source and participant, never the (bad) value itself.
    throw new InvalidContactError(`The contact address for participant ${participantId} in ${source} is not a valid email address; correct it there`);
  }
  return address;
}

export function databaseContactSource(db: Queryable): ContactSource {
  return {
    name: "database",
    async lookup(participantId) {
      const { rows } = await db.query<{ email: string }>("SELECT email FROM participant_contacts WHERE participant_id = $1", [participantId]);
      return checked("participant_contacts", participantId, rows[0]?.email);
    },
  };
}

/**
 * A folder holding one file per participant, named by the participant ID and
 * containing the address: what Kubernetes makes of a Secret mounted as a volume
 * (keys become file names), and easy to create by hand for local use.
 */
export function secretDirContactSource(dir: string): ContactSource {
  return {
    name: "secret-dir",
    async lookup(participantId) {
      // The ID pattern has no slashes and cannot start with a dot, so the name cannot leave the folder.
      if (!PARTICIPANT_ID_PATTERN.test(participantId)) return null;
      let content: string;
      try {
        content = await readFile(join(dir, participantId), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw new Error(`while reading the contacts folder for participant ${participantId}`, { cause: err });
      }
      return checked("the contacts folder", participantId, content);
    },
  };
}

const participantListSchema = z.object({
  items: z.array(
    z.object({
      spec: z
        .object({
          participantId: z.string().optional(),
          contactSecretRef: z.object({ name: z.string(), key: z.string().optional() }).optional(),
        })
        .optional(),
    }),
  ),
});

export interface KubernetesContactOptions {
  namespace: string;
  customObjects: Pick<k8s.CustomObjectsApi, "listNamespacedCustomObject">;
  core: Pick<k8s.CoreV1Api, "readNamespacedSecret">;
}

/** Follows a Participant's spec.contactSecretRef (key defaults to "email") to its Secret. */
export function kubernetesContactSource(opts: KubernetesContactOptions): ContactSource {
  return {
    name: "kubernetes",
    async lookup(participantId) {
      const list = participantListSchema.parse(
        await opts.customObjects.listNamespacedCustomObject({
          group: "wearables.dev", version: "v1alpha1", namespace: opts.namespace, plural: "participants",
        }),
      );
      const ref = list.items.find((p) => p.spec?.participantId === participantId)?.spec?.contactSecretRef;
      if (!ref) return null;
      const secret = await opts.core.readNamespacedSecret({ namespace: opts.namespace, name: ref.name });
      const encoded = secret.data?.[ref.key ?? "email"];
      const where = `Secret ${opts.namespace}/${ref.name} key ${ref.key ?? "email"}`;
      return checked(where, participantId, encoded === undefined ? null : Buffer.from(encoded, "base64").toString("utf8"));
    },
  };
}

/** Asks each source in turn; the first address found wins. */
export function chainContactSources(sources: readonly ContactSource[]): ContactSource {
  return {
    name: sources.map((s) => s.name).join("+"),
    async lookup(participantId) {
      for (const source of sources) {
        const address = await source.lookup(participantId);
        if (address) return address;
      }
      return null;
    },
  };
}
