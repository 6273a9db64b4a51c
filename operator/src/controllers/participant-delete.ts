// Finalizer handling for dataPolicy: Delete. The finalizer is added while the
// policy is Delete and removed when it changes to Retain; on deletion the
// participant's rows are erased first and the finalizer removed only after
// the erase committed, so a crash in between just erases again (idempotent).
import { API_VERSION, ERASE_DATA_FINALIZER, PARTICIPANT } from "../api/v1alpha1/group.ts";
import { eventTarget } from "./event-target.ts";
import { CONDITION, REASON, setCondition } from "../api/v1alpha1/conditions.ts";
import type { Participant } from "../api/v1alpha1/participant-types.ts";
import { RESOURCES } from "../runtime/kube-client.ts";
import type { ControllerContext, CustomObj } from "./context.ts";
import { RequeueAfter, wrap } from "./errors.ts";
import { patchStatus } from "./status-patch.ts";

async function setFinalizers(ctx: ControllerContext, raw: CustomObj, finalizers: string[]): Promise<void> {
  const patched = await ctx.client.mergePatch<CustomObj>(RESOURCES.participant, raw.metadata.namespace ?? "", raw.metadata.name, {
    metadata: { resourceVersion: raw.metadata.resourceVersion, finalizers },
  });
  ctx.participants.wrote(raw.metadata.namespace ?? "", raw.metadata.name, raw, patched);
}

/** Adds or removes the erase-data finalizer to match spec.dataPolicy. Returns the current object. */
export async function syncFinalizer(ctx: ControllerContext, raw: CustomObj, pt: Participant): Promise<void> {
  const list = raw.metadata.finalizers ?? [];
  const has = list.includes(ERASE_DATA_FINALIZER);
  const want = pt.spec.dataPolicy === "Delete";
  if (has === want) return;
  await setFinalizers(ctx, raw, want ? [...list, ERASE_DATA_FINALIZER] : list.filter((f) => f !== ERASE_DATA_FINALIZER))
    .catch((err: unknown) => { throw wrap("updating the erase-data finalizer", err); });
}

async function reportErasure(ctx: ControllerContext, raw: CustomObj, pt: Participant, message: string) {
  const status = { ...(pt.status ?? {}) };
  status.conditions = setCondition(status.conditions, { type: CONDITION.Ready, status: "False", reason: REASON.ErasureFailed, message }, pt.metadata.generation, ctx.now());
  await patchStatus(ctx.client, RESOURCES.participant, raw, status).catch(() => undefined);
  ctx.events.record(eventTarget(raw, PARTICIPANT.kind, API_VERSION), "Warning", REASON.ErasureFailed, message);
}

export async function reconcileParticipantDeletion(ctx: ControllerContext, raw: CustomObj, pt: Participant): Promise<void> {
  const list = raw.metadata.finalizers ?? [];
  if (!list.includes(ERASE_DATA_FINALIZER)) return; // GC removes owned objects; nothing of ours to do
  if (pt.spec.dataPolicy === "Delete") {
    if (!ctx.eraser) {
      await reportErasure(ctx, raw, pt, "dataPolicy is Delete but the operator has no database connection (set DATABASE_URL); the Participant stays until its data is erased");
      throw new RequeueAfter(60_000, "no database to erase from");
    }
    try {
      const res = await ctx.eraser(pt.spec.participantId);
      const total = Object.values(res.deleted).reduce((a, b) => a + b, 0);
      ctx.log.info({ namespace: raw.metadata.namespace, name: raw.metadata.name, deleted: res.deleted }, "Erased participant data");
      ctx.events.record(eventTarget(raw, PARTICIPANT.kind, API_VERSION), "Normal", "DataErased",
        `Erased ${total} rows of participant ${pt.spec.participantId} (${Object.entries(res.deleted).map(([t, n]) => `${t}: ${n}`).join(", ")})`);
    } catch (err) {
      await reportErasure(ctx, raw, pt, (err as Error).message);
      throw wrap(`erasing data of participant ${pt.spec.participantId}`, err);
    }
  }
  await setFinalizers(ctx, raw, list.filter((f) => f !== ERASE_DATA_FINALIZER));
}
