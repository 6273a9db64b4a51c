// Read-your-own-writes over the informer caches. After a write the operator
// knows the new object before its watch event arrives; without this, a
// reconcile triggered in between (e.g. by the CronJob event) would compare
// against the stale cache and write the same change again. An overlay entry
// is used only while the cache still holds exactly the version it replaced,
// so any newer change by anyone else wins.
import type { Obj } from "./kube-client.ts";

interface Overlay<T> {
  /** resourceVersion of the cached object the write was based on ("" when it was absent). */
  basedOn: string;
  obj: T | undefined;
}

/** The read side of an informer (or of several, one per watched namespace). */
export interface Cache<T> {
  get(namespace: string, name: string): T | undefined;
  list(namespace?: string): T[];
}

export class Store<T extends Obj> {
  readonly informer: Cache<T>;
  private readonly overlay = new Map<string, Overlay<T>>();
  private readonly ownVersions = new Map<string, string>();

  constructor(informer: Cache<T>) {
    this.informer = informer;
  }

  get(namespace: string, name: string): T | undefined {
    const key = `${namespace}/${name}`;
    const cached = this.informer.get(namespace, name);
    const o = this.overlay.get(key);
    if (o) {
      if ((cached?.metadata?.resourceVersion ?? "") === o.basedOn) return o.obj;
      this.overlay.delete(key);
    }
    return cached;
  }

  list(namespace?: string): T[] {
    return this.informer.list(namespace).flatMap((o): T[] => {
      const v = this.get(o.metadata?.namespace ?? "", o.metadata?.name ?? "");
      return v ? [v] : [];
    });
  }

  /** Records the result of a write (undefined for a delete) made when the cache held `before`. */
  wrote(namespace: string, name: string, before: T | undefined, after: T | undefined): void {
    this.overlay.set(`${namespace}/${name}`, { basedOn: before?.metadata?.resourceVersion ?? "", obj: after });
    const rv = after?.metadata?.resourceVersion;
    if (rv) this.ownVersions.set(`${namespace}/${name}`, rv);
  }

  /**
   * True (once) when a watch event carries exactly the version this operator
   * just wrote: the reconcile that wrote it already knows, so it need not run again.
   */
  isOwnWrite(obj: T): boolean {
    const key = `${obj.metadata?.namespace ?? ""}/${obj.metadata?.name ?? ""}`;
    const rv = this.ownVersions.get(key);
    if (rv === undefined) return false;
    this.ownVersions.delete(key);
    return rv === obj.metadata?.resourceVersion;
  }
}
