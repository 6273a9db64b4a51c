// Creates or updates one owned object by server-side apply, only when the
// cached live object differs, and deletes owned objects that should no longer
// exist. Refuses to touch a same-named object that someone else controls.
import type { Obj, ResourceType } from "../runtime/kube-client.ts";
import { KubeApiError } from "../runtime/kube-client.ts";
import { applyReason } from "../runtime/apply.ts";
import { controllerOf } from "../runtime/owner-index.ts";
import type { Store } from "../runtime/store.ts";
import type { ControllerContext, CustomObj } from "./context.ts";
import { TerminalError, wrap } from "./errors.ts";
import { eventTarget } from "./event-target.ts";

export interface ApplyResult<T> {
  obj?: T;
  /** The server refused the object (422/400): a spec problem, shown in status. */
  invalid?: string;
}

export async function applyOwned<T extends Obj>(ctx: ControllerContext, r: ResourceType, store: Store<T>, owner: CustomObj, desired: T): Promise<ApplyResult<T>> {
  const ns = desired.metadata?.namespace ?? "";
  const name = desired.metadata?.name ?? "";
  const live = store.get(ns, name);
  const ref = live ? controllerOf(live) : undefined;
  if (live && ref?.uid !== owner.metadata.uid) {
    throw new TerminalError(`${r.kind} ${name} already exists and is controlled by ${ref ? `${ref.kind} ${ref.name}` : "nobody"}; rename this ${owner.kind} or remove that ${r.kind}`);
  }
  const reason = applyReason(desired, live);
  if (!reason) return { obj: live };
  try {
    const result = await ctx.client.apply<T>(r, desired, ctx.config.fieldManager);
    store.wrote(ns, name, live, result);
    ctx.log.info({ kind: r.kind, name, namespace: ns, reason }, `Applied ${r.kind}`);
    if (reason === "missing") {
      ctx.events.record(eventTarget(owner, owner.kind ?? "", owner.apiVersion ?? ""), "Normal", "Created", `Created ${r.kind} ${name}`);
    }
    return { obj: result };
  } catch (err) {
    if (err instanceof KubeApiError && (err.code === 422 || err.code === 400)) return { invalid: `${r.kind} ${name} was refused: ${err.serverMessage}` };
    throw wrap(`applying ${r.kind} ${ns}/${name}`, err);
  }
}

export async function deleteOwned<T extends Obj>(ctx: ControllerContext, r: ResourceType, store: Store<T>, owner: CustomObj, namespace: string, name: string): Promise<void> {
  const live = store.get(namespace, name);
  if (!live || controllerOf(live)?.uid !== owner.metadata.uid) return;
  try {
    await ctx.client.delete(r, namespace, name);
  } catch (err) {
    if (!(err instanceof KubeApiError && err.code === 404)) throw wrap(`deleting ${r.kind} ${namespace}/${name}`, err);
  }
  store.wrote(namespace, name, live, undefined);
  ctx.log.info({ kind: r.kind, name, namespace }, `Deleted ${r.kind}`);
}
