// Expands a Grafana PostgreSQL panel query exactly the way Grafana does before
// it reaches the database, so tests and the benchmark run the SQL Grafana
// would run. Three stages, in Grafana's order:
//   1. frontend template interpolation (templateSrv.replace with the SQL
//      datasource's default formatter: multi-value/include-all variables are
//      quoted literals, single values get their quotes doubled);
//   2. backend global substitutions (sqleng.Interpolate: $__interval_ms,
//      $__interval, $__unixEpochFrom(), $__unixEpochTo());
//   3. the postgres macro engine ($__timeFilter, $__timeGroup[Alias], ...).
// Unlike Grafana, an unknown template variable is an error here (Grafana
// leaves `$typo` in the SQL, which then fails or silently matches nothing).

export interface TemplateVariable {
  /** Resolved value(s); an include-all selection is passed as the list of all values. */
  value: string | string[];
  /** Whether the variable is multi-value or include-all (changes the default SQL formatting). */
  multi?: boolean;
}

export interface ExpandOptions {
  from: Date;
  to: Date;
  /** Grafana's computed $__interval for the panel, in milliseconds. */
  intervalMs: number;
  variables?: Record<string, TemplateVariable>;
  /** The datasource's "TimescaleDB" toggle: $__timeGroup becomes time_bucket(). */
  timescaledb?: boolean;
}

// templateSrv's variable syntax: $var, [[var:fmt]], ${var.field:fmt}
const VARIABLE_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;
// The postgres macro engine's pattern: `$name(args)`, args without `)`.
const MACRO_RE = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

export function expandGrafanaSql(sql: string, opts: ExpandOptions): string {
  const frontend = interpolateTemplateVariables(sql, opts);
  const global = interpolateGlobals(frontend, opts);
  return interpolateMacros(global, opts);
}

/** Stage 1: the frontend's template variable replacement. */
export function interpolateTemplateVariables(sql: string, opts: ExpandOptions): string {
  const builtins: Record<string, TemplateVariable> = {
    __interval: { value: formatInterval(opts.intervalMs) },
    __interval_ms: { value: String(opts.intervalMs) },
    __from: { value: String(opts.from.getTime()) },
    __to: { value: String(opts.to.getTime()) },
  };
  return sql.replace(VARIABLE_RE, (match: string, ...groups: (string | undefined)[]) => {
    const [plain, bracket, bracketFmt, braced, fieldPath, bracedFmt] = groups;
    const name = plain ?? bracket ?? braced ?? "";
    const format = bracketFmt ?? bracedFmt;
    const variable = opts.variables?.[name] ?? builtins[name];
    if (!variable) {
      // Macros such as $__timeFilter look like variables to the frontend and pass through.
      if (name.startsWith("__")) return match;
      throw new Error(`unknown template variable "${name}" in ${match}; define it on the dashboard or fix the name`);
    }
    if (fieldPath) throw new Error(`variable field access ${match} is not supported by the expander`);
    return format ? formatVariable(variable.value, format, name) : defaultSqlFormat(variable);
  });
}

/** The SQL datasource's interpolateVariable (default format). */
function defaultSqlFormat(variable: TemplateVariable): string {
  const { value } = variable;
  if (Array.isArray(value)) return value.map(quoteLiteral).join(",");
  return variable.multi ? quoteLiteral(value) : value.replace(/'/g, "''");
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Grafana's named variable formats (the subset that makes sense in SQL). */
export function formatVariable(value: string | string[], format: string, name = "?"): string {
  const values = Array.isArray(value) ? value : [value];
  switch (format) {
    case "sqlstring":
      return values.map(quoteLiteral).join(",");
    case "csv":
    case "raw":
      return values.join(",");
    case "singlequote":
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(",");
    case "doublequote":
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(",");
    case "pipe":
      return values.join("|");
    default:
      throw new Error(`unsupported format "${format}" for variable "${name}"; use sqlstring, csv, raw, singlequote, doublequote or pipe`);
  }
}

/** Stage 2: sqleng.Interpolate. */
export function interpolateGlobals(sql: string, opts: ExpandOptions): string {
  return sql
    .replaceAll("$__interval_ms", String(Math.trunc(opts.intervalMs)))
    .replaceAll("$__interval", formatInterval(opts.intervalMs))
    .replaceAll("$__unixEpochFrom()", String(Math.floor(opts.from.getTime() / 1000)))
    .replaceAll("$__unixEpochTo()", String(Math.floor(opts.to.getTime() / 1000)));
}

/** Stage 3: the postgres macro engine. */
export function interpolateMacros(sql: string, opts: ExpandOptions): string {
  return sql.replace(MACRO_RE, (match: string, rawName: string, rawArgs: string, offset: number) => {
    let name = rawName;
    // Grafana's pre-5.3 compatibility: `$__timeGroup(...)` directly followed by
    // ',' gets an alias. (Grafana checks the first occurrence of the same text.)
    const first = sql.indexOf(match);
    if (name === "__timeGroup" && sql[(first >= 0 ? first : offset) + match.length] === ",") name = "__timeGroupAlias";
    const args = rawArgs.split(",").map((a) => a.trim());
    return evaluateMacro(name, args, opts);
  });
}

function evaluateMacro(name: string, args: string[], opts: ExpandOptions): string {
  const from = rfc3339Nano(opts.from);
  const to = rfc3339Nano(opts.to);
  const column = (): string => {
    if (!args[0]) throw new Error(`missing time column argument for macro ${name}`);
    return args[0];
  };
  const fromS = Math.floor(opts.from.getTime() / 1000);
  const toS = Math.floor(opts.to.getTime() / 1000);
  switch (name) {
    case "__time":
      return `${column()} AS "time"`;
    case "__timeEpoch":
      return `extract(epoch from ${column()}) as "time"`;
    case "__timeFilter":
      return `${column()} BETWEEN '${from}' AND '${to}'`;
    case "__timeFrom":
      return `'${from}'`;
    case "__timeTo":
      return `'${to}'`;
    case "__timeGroup":
      return timeGroup(name, args, opts);
    case "__timeGroupAlias":
      return `${timeGroup(name, args, opts)} AS "time"`;
    case "__unixEpochFilter":
      return `${column()} >= ${fromS} AND ${column()} <= ${toS}`;
    case "__unixEpochNanoFilter":
      return `${column()} >= ${nanos(opts.from)} AND ${column()} <= ${nanos(opts.to)}`;
    case "__unixEpochNanoFrom":
      return nanos(opts.from);
    case "__unixEpochNanoTo":
      return nanos(opts.to);
    case "__unixEpochGroup":
    case "__unixEpochGroupAlias": {
      const s = intervalSeconds(name, args);
      const expr = `floor((${args[0]})/${goFloat(s)})*${goFloat(s)}`;
      return name === "__unixEpochGroupAlias" ? `${expr} AS "time"` : expr;
    }
    default:
      throw new Error(`unknown macro "${name}"`);
  }
}

function timeGroup(name: string, args: string[], opts: ExpandOptions): string {
  const s = intervalSeconds(name, args);
  if (args.length === 3) validateFill(args[2] ?? "");
  if (opts.timescaledb) return `time_bucket('${s.toFixed(3)}s',${args[0]})`;
  return `floor(extract(epoch from ${args[0]})/${goFloat(s)})*${goFloat(s)}`;
}

function intervalSeconds(name: string, args: string[]): number {
  if (args.length < 2) throw new Error(`macro ${name} needs time column and interval and optional fill value`);
  const ms = parseInterval((args[1] ?? "").replace(/^'+|'+$/g, ""));
  if (ms === undefined) throw new Error(`error parsing interval ${args[1]}`);
  return ms / 1000;
}

function validateFill(fill: string): void {
  if (fill === "NULL" || fill === "previous" || Number.isFinite(Number(fill))) return;
  throw new Error(`error parsing fill value ${fill}`);
}

// M and y are calendar-relative in Grafana (AddDate from now); 30 d / 365 d here.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
  d: 86_400_000, w: 7 * 86_400_000, M: 30 * 86_400_000, y: 365 * 86_400_000,
};

/** gtime.ParseInterval: `Nd|Nw|NM|Ny` or a Go duration like `1h30m`. */
export function parseInterval(text: string): number | undefined {
  const calendar = /^(\d+)([dwMy])$/.exec(text);
  if (calendar) return Number(calendar[1]) * (UNIT_MS[calendar[2] ?? ""] ?? NaN);
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(n) * (UNIT_MS[unit ?? ""] ?? NaN);
  return total;
}

/** gtime.FormatInterval: the largest whole unit, as Grafana shows $__interval. */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [[365 * 86_400_000, "y"], [86_400_000, "d"], [3_600_000, "h"], [60_000, "m"], [1000, "s"], [1, "ms"]];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return "1ms";
}

/** Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : "Z"));
}

/**
 * Go's %v for a float64 (strconv 'g', shortest): plain digits unless the
 * decimal exponent is < -4 or >= 6, e.g. 86400 -> "86400", 1209600 -> "1.2096e+06".
 */
export function goFloat(v: number): string {
  if (v === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(v)));
  return exp < -4 || exp >= 6 ? goExp(v) : String(v);
}

function goExp(v: number): string {
  const [mant, e] = v.toExponential().split("e");
  const sign = e?.startsWith("-") ? "-" : "+";
  const digits = (e ?? "0").replace(/^[+-]/, "").padStart(2, "0");
  return `${mant}e${sign}${digits}`;
}

function nanos(d: Date): string {
  return (BigInt(d.getTime()) * 1_000_000n).toString();
}
