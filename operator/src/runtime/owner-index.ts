// Owned objects by their controller owner, kept up to date from informer
// events, so "the Jobs of this CronJob" and "the Pods of this Job" are map
// lookups instead of namespace scans on every reconcile.
import type { Handler } from "./informer.ts";
import type { Obj } from "./kube-client.ts";

interface OwnerRef { kind?: string; name?: string; uid?: string; controller?: boolean }

export function controllerOf(obj: Obj): OwnerRef | undefined {
  const refs = (obj.metadata?.ownerReferences as OwnerRef[] | undefined) ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

export class OwnerIndex<T extends Obj> {
  private readonly byOwner = new Map<string, Map<string, T>>();

  constructor(informer: { on(kind: "add" | "update" | "delete", h: Handler<T>): void }) {
    const put = (o: T) => {
      const ref = controllerOf(o);
      if (!ref) return;
      const key = `${o.metadata?.namespace}/${ref.kind}/${ref.name}`;
      let m = this.byOwner.get(key);
      if (!m) this.byOwner.set(key, (m = new Map()));
      m.set(o.metadata?.name ?? "", o);
    };
    informer.on("add", put);
    informer.on("update", put);
    informer.on("delete", (o) => {
      const ref = controllerOf(o);
      if (!ref) return;
      const key = `${o.metadata?.namespace}/${ref.kind}/${ref.name}`;
      this.byOwner.get(key)?.delete(o.metadata?.name ?? "");
      if (this.byOwner.get(key)?.size === 0) this.byOwner.delete(key);
    });
  }

  owned(namespace: string, kind: string, name: string): T[] {
    return [...(this.byOwner.get(`${namespace}/${kind}/${name}`)?.values() ?? [])];
  }
}
