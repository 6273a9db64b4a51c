// Owner references make kube-controller-manager delete owned CronJobs and Jobs
// when their Participant or ImputationRun goes, and let the operator map an
// owned object back to its owner.
import type { V1OwnerReference } from "@kubernetes/client-node";

export interface Owned {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; uid?: string };
}

export function buildOwnerReference(owner: Owned, apiVersion: string, kind: string): V1OwnerReference {
  if (!owner.metadata.uid) throw new Error(`cannot own objects for ${kind} ${owner.metadata.name}: it has no uid yet`);
  return { apiVersion, kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true };
}
