// `make control-plane`: starts etcd + kube-apiserver + kube-controller-manager
// for manual use, prints how to point kubectl at it, and stops everything on
// Ctrl-C.
import { startControlPlane } from "../test/harness/control-plane.ts";

const cp = await startControlPlane();
console.log(`Control plane running at ${cp.server}
  export KUBECONFIG=${cp.kubeconfigPath}
  export PATH=${cp.binDir}:$PATH     # kubectl and helm of the pinned versions
Press Ctrl-C to stop.`);
await new Promise<void>((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
await cp.stop();
console.log("Control plane stopped");
