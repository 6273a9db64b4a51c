// Expected strings follow Grafana's postgres macro engine and SQL datasource
// (pkg/tsdb/grafana-postgresql-datasource/macros.go, sqleng.Interpolate,
// SqlDatasource.interpolateVariable).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandGrafanaSql, formatInterval, goFloat, parseInterval, rfc3339Nano, type ExpandOptions } from "./grafana-sql-macros.ts";

const base: ExpandOptions = {
  from: new Date("2018-04-12T18:00:00Z"),
  to: new Date("2018-04-12T18:05:00Z"),
  intervalMs: 60_000,
  variables: {
    participant: { value: ["p-1", "o'brien"], multi: true },
    one: { value: "o'brien" },
    minutes: { value: "600" },
  },
};
const x = (sql: string, opts: Partial<ExpandOptions> = {}): string => expandGrafanaSql(sql, { ...base, ...opts });

void describe("Grafana postgres macros", () => {
  void it("expands time filters and bounds in UTC RFC 3339", () => {
    assert.equal(x("WHERE $__timeFilter(ts)"), "WHERE ts BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'");
    assert.equal(x("$__timeFrom() $__timeTo()"), "'2018-04-12T18:00:00Z' '2018-04-12T18:05:00Z'");
    assert.equal(x("$__timeFrom()", { from: new Date("2018-04-12T18:00:00.250Z") }), "'2018-04-12T18:00:00.25Z'");
    assert.equal(x("$__unixEpochFilter(t)"), "t >= 1523556000 AND t <= 1523556300");
    assert.equal(x("$__unixEpochFrom()-$__unixEpochTo()"), "1523556000-1523556300");
    assert.equal(x("$__time(ts)"), 'ts AS "time"');
  });

  void it("expands time groups like Grafana, including the TimescaleDB variant", () => {
    assert.equal(x("$__timeGroup(ts,'5m')"), "floor(extract(epoch from ts)/300)*300");
    assert.equal(x("$__timeGroupAlias(ts, '5m')"), 'floor(extract(epoch from ts)/300)*300 AS "time"');
    assert.equal(x("$__timeGroupAlias(ts, 1d)"), 'floor(extract(epoch from ts)/86400)*86400 AS "time"');
    assert.equal(x("$__timeGroup(ts, 14d)"), "floor(extract(epoch from ts)/1.2096e+06)*1.2096e+06");
    assert.equal(x("$__timeGroup(ts,'5m')", { timescaledb: true }), "time_bucket('300.000s',ts)");
    assert.equal(x("$__timeGroupAlias(ts, $__interval)", { intervalMs: 3_600_000 }), 'floor(extract(epoch from ts)/3600)*3600 AS "time"');
  });

  void it("keeps Grafana's pre-5.3 quirk: $__timeGroup followed by a comma gets an alias", () => {
    assert.equal(x("SELECT $__timeGroup(ts,'5m'), avg(v)"), 'SELECT floor(extract(epoch from ts)/300)*300 AS "time", avg(v)');
    assert.equal(x("ORDER BY $__timeGroup(ts,'5m')"), "ORDER BY floor(extract(epoch from ts)/300)*300");
  });

  void it("substitutes $__interval and $__interval_ms", () => {
    assert.equal(x("$__interval $__interval_ms"), "1m 60000");
    assert.equal(x("$__interval", { intervalMs: 90_000 }), "1m");
    assert.equal(x("$__interval", { intervalMs: 2 * 86_400_000 }), "2d");
  });

  void it("formats template variables as the SQL datasource does", () => {
    assert.equal(x("IN ($participant)"), "IN ('p-1','o''brien')");
    assert.equal(x("IN (${participant:sqlstring})"), "IN ('p-1','o''brien')");
    assert.equal(x("${participant:csv}"), "p-1,o'brien");
    assert.equal(x("${participant:pipe}"), "p-1|o'brien");
    assert.equal(x("= '$one'"), "= 'o''brien'", "single values get quotes doubled, not added");
    assert.equal(x("${one:sqlstring}"), "'o''brien'");
    assert.equal(x("[[minutes]] ${minutes}"), "600 600");
    assert.equal(x("${minutes:sqlstring}::numeric"), "'600'::numeric");
  });

  void it("rejects unknown variables, macros, formats and bad intervals with clear errors", () => {
    assert.throws(() => x("WHERE id = $nope"), /unknown template variable "nope"/);
    assert.throws(() => x("$__nope(ts)"), /unknown macro "__nope"/);
    assert.throws(() => x("${minutes:json}"), /unsupported format "json" for variable "minutes"/);
    assert.throws(() => x("$__timeGroup(ts)"), /needs time column and interval/);
    assert.throws(() => x("$__timeGroup(ts, 'soon')"), /error parsing interval 'soon'/);
    assert.throws(() => x("$__timeFilter()"), /missing time column argument/);
  });

  void it("keeps an injected value inside its quoted literal", () => {
    const evil = x("${one:sqlstring}", { variables: { one: { value: "1'; DROP TABLE samples; --" } } });
    assert.equal(evil, "'1''; DROP TABLE samples; --'");
  });

  void it("matches Go's formatting helpers", () => {
    assert.equal(rfc3339Nano(new Date("2024-01-02T03:04:05.000Z")), "2024-01-02T03:04:05Z");
    assert.equal(rfc3339Nano(new Date("2024-01-02T03:04:05.120Z")), "2024-01-02T03:04:05.12Z");
    assert.equal(goFloat(86400), "86400");
    assert.equal(goFloat(604800), "604800");
    assert.equal(goFloat(1_000_000), "1e+06");
    assert.equal(goFloat(0.5), "0.5");
    assert.equal(parseInterval("1h30m"), 5_400_000);
    assert.equal(parseInterval("2w"), 14 * 86_400_000);
    assert.equal(parseInterval("x"), undefined);
    assert.equal(formatInterval(500), "500ms");
    assert.equal(formatInterval(0), "1ms");
  });
});
