import type { EventTarget } from "../runtime/events.ts";
import type { CustomObj } from "./context.ts";

export function eventTarget(raw: CustomObj, kind: string, apiVersion: string): EventTarget {
  return { apiVersion: raw.apiVersion ?? apiVersion, kind: raw.kind ?? kind, metadata: raw.metadata as EventTarget["metadata"] };
}
