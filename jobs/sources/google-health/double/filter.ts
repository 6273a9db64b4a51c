// The AIP-160 filter subset the Google Health API documents for listing data
// points: comparisons with >= and < on the data type's time field, joined by
// AND (sleep also allows OR), with parentheses. Anything else is rejected
// with a message, as the API answers INVALID_ARGUMENT / INVALID_DATA_POINT_FILTER.
//
// Conservative choices where the published contract is silent (see the
// reference notes): values must be double-quoted; NOT, =, >, <= and the
// ":" has-operator are rejected; OR binds tighter than AND, as AIP-160 says.
import type { DataTypeInfo } from "../wire.ts";

export class FilterError extends Error {
  override name = "FilterError";
}

export type FieldKind = "physical" | "civil" | "date";

export type FilterNode =
  | { kind: "and" | "or"; items: FilterNode[] }
  | { kind: "cmp"; field: string; fieldKind: FieldKind; op: ">=" | "<"; value: string; key: number };

interface Token {
  type: "ident" | "op" | "string" | "lparen" | "rparen" | "and" | "or" | "not";
  text: string;
  pos: number;
}

/** Reads a double-quoted string starting at `start`; returns its text and the index after the closing quote. */
function readString(src: string, start: number): [string, number] {
  let s = "";
  for (let j = start + 1; j < src.length; j++) {
    if (src[j] === '"') return [s, j + 1];
    if (src[j] === "\\") j++;
    s += src[j] ?? "";
  }
  throw new FilterError(`unterminated string starting at position ${start}`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ type: c === "(" ? "lparen" : "rparen", text: c, pos: i++ });
    } else if (c === '"') {
      const [text, next] = readString(src, i);
      out.push({ type: "string", text, pos: i });
      i = next;
    } else if (/[<>=!:]/.test(c)) {
      const m = /^(>=|<=|!=|<|>|=|:)/.exec(src.slice(i))!;
      out.push({ type: "op", text: m[1]!, pos: i });
      i += m[1]!.length;
    } else {
      const m = /^[A-Za-z0-9_.\-+:]+/.exec(src.slice(i));
      if (!m) throw new FilterError(`unexpected character "${c}" at position ${i}`);
      const word = m[0];
      const type = word === "AND" ? "and" : word === "OR" ? "or" : word === "NOT" ? "not" : "ident";
      out.push({ type, text: word, pos: i });
      i += word.length;
    }
  }
  return out;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const CIVIL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function comparable(fieldKind: FieldKind, field: string, value: string): number {
  const [pattern, text, example] =
    fieldKind === "physical"
      ? [RFC3339, value, '"2026-11-01T00:00:00Z"']
      : fieldKind === "civil"
        ? [CIVIL, `${value}Z`, '"2026-11-01T00:00:00" (civil time, no offset)']
        : [DATE, `${value}T00:00:00Z`, '"2026-11-01"'];
  const ms = Date.parse(text);
  if (!pattern.test(value) || Number.isNaN(ms)) throw new FilterError(`value "${value}" for ${field} is not valid; use e.g. ${example}`);
  return ms;
}

/** Parses `filter` for data type `info`; throws FilterError with a readable reason. */
export function parseFilter(filter: string, info: DataTypeInfo): FilterNode {
  const tokens = tokenize(filter);
  let i = 0;
  const peek = () => tokens[i];
  const fields = new Map<string, FieldKind>([[info.filterField, info.kind === "daily" ? "date" : "physical"]]);
  if (info.civilFilterField) fields.set(info.civilFilterField, "civil");

  const comparison = (): FilterNode => {
    const f = tokens[i++];
    if (!f || f.type !== "ident") throw new FilterError(`expected a field name at position ${f?.pos ?? filter.length}`);
    const fieldKind = fields.get(f.text);
    if (!fieldKind) throw new FilterError(`field "${f.text}" cannot be filtered on for ${info.url}; use ${[...fields.keys()].join(" or ")}`);
    const op = tokens[i++];
    if (!op || op.type !== "op") throw new FilterError(`expected an operator after ${f.text}`);
    if (op.text !== ">=" && op.text !== "<") throw new FilterError(`operator "${op.text}" is not supported; only >= and < are`);
    const v = tokens[i++];
    if (!v || v.type !== "string") throw new FilterError(`the value after ${f.text} ${op.text} must be a double-quoted string`);
    return { kind: "cmp", field: f.text, fieldKind, op: op.text, value: v.text, key: comparable(fieldKind, f.text, v.text) };
  };
  const term = (): FilterNode => {
    const t = peek();
    if (t?.type === "not") throw new FilterError("NOT is not supported");
    if (t?.type !== "lparen") return comparison();
    i++;
    const inner = andExpr();
    if (tokens[i++]?.type !== "rparen") throw new FilterError(`missing ")" for "(" at position ${t.pos}`);
    return inner;
  };
  const orExpr = (): FilterNode => {
    const items = [term()];
    while (peek()?.type === "or") {
      if (info.kind !== "session") throw new FilterError(`OR is only supported for sleep, not ${info.url}`);
      i++;
      items.push(term());
    }
    return items.length === 1 ? items[0]! : { kind: "or", items };
  };
  const andExpr = (): FilterNode => {
    const items = [orExpr()];
    while (peek()?.type === "and") {
      i++;
      items.push(orExpr());
    }
    return items.length === 1 ? items[0]! : { kind: "and", items };
  };

  if (tokens.length === 0) throw new FilterError("the filter is empty");
  const node = andExpr();
  if (i < tokens.length) throw new FilterError(`unexpected "${tokens[i]!.text}" at position ${tokens[i]!.pos}; join comparisons with AND${info.kind === "session" ? " or OR" : ""}`);
  return node;
}

/** The point's comparable values: physical (or date) instant in ms, and civil time as naive-UTC ms. */
export interface FilterSubject {
  physical: number;
  civil: number;
}

export function matches(node: FilterNode, p: FilterSubject): boolean {
  if (node.kind !== "cmp") return node.kind === "and" ? node.items.every((n) => matches(n, p)) : node.items.some((n) => matches(n, p));
  const v = node.fieldKind === "civil" ? p.civil : p.physical;
  return node.op === ">=" ? v >= node.key : v < node.key;
}

const CIVIL_SLACK = 14 * 3_600_000; // no UTC offset exceeds 14 h

/** A physical-time hull [lo, hi) that contains every match (for deciding what to generate). */
export function bounds(node: FilterNode): { lo: number; hi: number } {
  if (node.kind === "cmp") {
    const slack = node.fieldKind === "civil" ? CIVIL_SLACK : 0;
    return node.op === ">=" ? { lo: node.key - slack, hi: Infinity } : { lo: -Infinity, hi: node.key + slack };
  }
  const parts = node.items.map(bounds);
  return node.kind === "and"
    ? { lo: Math.max(...parts.map((b) => b.lo)), hi: Math.min(...parts.map((b) => b.hi)) }
    : { lo: Math.min(...parts.map((b) => b.lo)), hi: Math.max(...parts.map((b) => b.hi)) };
}
