// Helpers for the chart tests: run the pinned helm binary against the chart
// and parse what it renders.
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { toolsBinDir } from "../harness/control-plane.ts";

const run = promisify(execFile);
export const repoRoot = resolve(import.meta.dirname, "../..");
export const chartDir = join(repoRoot, "charts/wearable-pipeline");
/** The Kubernetes version our tools are pinned to (hack/build-tools.sh); helm template otherwise assumes v1.20. */
export const KUBE_VERSION = "1.34.2";

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export async function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await run(join(toolsBinDir(), "helm"), args, {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HELM_CACHE_HOME: "/tmp/wearable-helm-cache", HELM_CONFIG_HOME: "/tmp/wearable-helm-config", ...env },
    });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`helm ${args.join(" ")} failed: ${e.stderr || e.message}`, { cause: err });
  }
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  set?: string[];
  /** --set-json: keeps numbers numbers (--set turns 0.5 into a string). */
  setJson?: string[];
}

export async function renderText(opts: RenderOptions = {}): Promise<string> {
  const args = ["template", opts.release ?? "wp", chartDir, "--namespace", opts.namespace ?? "wearables", "--kube-version", KUBE_VERSION];
  for (const f of opts.valuesFiles ?? []) args.push("--values", f);
  for (const s of opts.set ?? []) args.push("--set", s);
  for (const s of opts.setJson ?? []) args.push("--set-json", s);
  return helm(args);
}

export async function render(opts: RenderOptions = {}): Promise<K8sObject[]> {
  return parseAllDocuments(await renderText(opts))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** ci/*.yaml: the values sets chart-testing (and our tests) render. */
export async function ciValuesFiles(): Promise<string[]> {
  return (await readdir(join(chartDir, "ci"))).filter((f) => f.endsWith(".yaml")).sort().map((f) => join(chartDir, "ci", f));
}

export function find(objects: K8sObject[], kind: string, nameSuffix = ""): K8sObject[] {
  return objects.filter((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
}

export function one(objects: K8sObject[], kind: string, nameSuffix = ""): K8sObject {
  const found = find(objects, kind, nameSuffix);
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}`);
  return found[0]!;
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
export interface RuleGroupSpec {
  name: string;
  rules: Rule[];
}

/** The rule groups of the rendered PrometheusRule, as a Prometheus rule file body. */
export function ruleGroups(objects: K8sObject[]): RuleGroupSpec[] {
  const pr = one(objects, "PrometheusRule");
  return (pr.spec as { groups: RuleGroupSpec[] }).groups;
}

/**
 * prometheus-operator's CRDs are not vendored here, so the API server gets
 * schemaless stand-ins (it checks names, namespaces, RBAC, admission) and the
 * prometheus-operator schema is applied client-side by kubernetes-models.
 */
export function monitoringCrd(kind: string, plural: string) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: "monitoring.coreos.com",
      scope: "Namespaced",
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
    },
  };
}
