// Pure: the demo's data in, one self-contained HTML page out (inline CSS and
// SVG, no scripts, no network), so a researcher can open or mail the file.
import type { ParticipantSummary } from "./summary.ts";
import type { Thresholds } from "./thresholds.ts";

export interface HourlyPoint {
  hour: Date;
  avg: number;
  min: number;
  max: number;
}

export interface ImputedPoint {
  ts: Date;
  value: number;
  lower: number | null;
  upper: number | null;
}

export interface ReportData {
  generatedAt: Date;
  firstDay: string;
  lastDay: string;
  thresholds: Thresholds;
  participants: ParticipantSummary[];
  /** One participant's heart rate over one local day. */
  heartRateDay: { participantId: string; day: string; /** Local midnight of `day`. */ start: Date; hourly: HourlyPoint[]; imputed: ImputedPoint[] } | null;
  imputation: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function wearColor(minutes: number): string {
  if (minutes <= 0) return "#eceff1";
  const f = Math.min(1, minutes / 1440);
  // Light to dark teal by share of the day worn.
  const l = Math.round(88 - f * 58);
  return `hsl(174, 62%, ${l}%)`;
}

function sparkline(s: ParticipantSummary, t: Thresholds): string {
  const w = 168, h = 36, n = Math.max(1, s.daily.length), bw = w / n;
  const y = (m: number) => h - (Math.min(m, 1440) / 1440) * h;
  const bars = s.daily.map((d, i) => {
    const fill = d.validDay ? "#26a69a" : d.wearMinutes > 0 ? "#ef9a9a" : "#cfd8dc";
    const top = d.wearMinutes > 0 ? y(d.wearMinutes) : h - 2;
    return `<rect x="${(i * bw + 0.5).toFixed(1)}" y="${top.toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${(h - top).toFixed(1)}" fill="${fill}"><title>${esc(d.day)}: ${d.wearMinutes} min worn, ${d.steps} steps</title></rect>`;
  }).join("");
  const ref = y(t.validDayMinutes).toFixed(1);
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="daily wear minutes">${bars}<line x1="0" x2="${w}" y1="${ref}" y2="${ref}" stroke="#455a64" stroke-dasharray="3 2" stroke-width="1"/></svg>`;
}

function heatmap(rows: ParticipantSummary[]): string {
  const days = [...new Set(rows.flatMap((r) => r.daily.map((d) => d.day)))].sort();
  const cell = 22, left = 60, top = 34;
  const w = left + days.length * cell + 10, h = top + rows.length * cell + 8;
  const labels = days.map((d, i) => `<text x="${left + i * cell + cell / 2}" y="${top - 8}" text-anchor="middle" class="ax">${d.slice(8)}</text>`).join("");
  const months = [...new Set(days.map((d) => d.slice(0, 7)))].join(" / ");
  const month = days[0] ? `<text x="${left}" y="12" class="ax">day of month, ${esc(months)}</text>` : "";
  const cells = rows.map((r, ri) => {
    const byDay = new Map(r.daily.map((d) => [d.day, d]));
    const name = `<text x="${left - 6}" y="${top + ri * cell + cell / 2 + 4}" text-anchor="end" class="ax">${esc(r.participantId)}</text>`;
    return name + days.map((day, di) => {
      const d = byDay.get(day);
      const m = d?.wearMinutes ?? 0;
      const stroke = d && !d.validDay && m > 0 ? ` stroke="#c62828" stroke-width="1.5"` : "";
      return `<rect x="${left + di * cell + 1}" y="${top + ri * cell + 1}" width="${cell - 2}" height="${cell - 2}" rx="3" fill="${wearColor(m)}"${stroke}><title>${esc(r.participantId)} ${day}: ${m} min worn${d?.validDay ? " (valid)" : ""}</title></rect>`;
    }).join("");
  }).join("");
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="wear minutes per participant and day">${month}${labels}${cells}</svg>`;
}

function heartRatePlot(d: NonNullable<ReportData["heartRateDay"]>): string {
  const w = 760, h = 240, l = 44, r = 24, t = 12, b = 30;
  const pts = d.hourly;
  if (pts.length === 0) return "<p>No heart rate for this day.</p>";
  const t0 = d.start.getTime();
  const span = 24 * 3_600_000;
  const lo = Math.min(40, ...pts.map((p) => p.min)), hi = Math.max(140, ...pts.map((p) => p.max));
  const x = (ms: number) => l + ((ms - t0) / span) * (w - l - r);
  const y = (v: number) => t + (1 - (v - lo) / (hi - lo)) * (h - t - b);
  const mid = (p: HourlyPoint) => p.hour.getTime() + 1_800_000;
  const band = `${pts.map((p) => `${x(mid(p)).toFixed(1)},${y(p.max).toFixed(1)}`).join(" ")} ${[...pts].reverse().map((p) => `${x(mid(p)).toFixed(1)},${y(p.min).toFixed(1)}`).join(" ")}`;
  const line = pts.map((p) => `${x(mid(p)).toFixed(1)},${y(p.avg).toFixed(1)}`).join(" ");
  const grid = [60, 80, 100, 120, 140].filter((v) => v > lo && v < hi).map((v) =>
    `<line x1="${l}" x2="${w - r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eceff1"/><text x="${l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="ax">${v}</text>`).join("");
  const hours = [0, 3, 6, 9, 12, 15, 18, 21, 24].map((hh) =>
    `<text x="${x(t0 + hh * 3_600_000).toFixed(1)}" y="${h - 10}" text-anchor="middle" class="ax">${String(hh).padStart(2, "0")}:00</text>`).join("");
  const imputed = d.imputed.filter((p) => p.ts.getTime() >= t0 && p.ts.getTime() < t0 + span)
    .map((p) => `<circle cx="${x(p.ts.getTime()).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="1.6" fill="#ef6c00"/>`).join("");
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="hourly heart rate">${grid}
<polygon points="${band}" fill="#b2dfdb" opacity="0.7"/><polyline points="${line}" fill="none" stroke="#00796b" stroke-width="2"/>${imputed}${hours}
<text x="${l}" y="${t + 2}" class="ax">bpm</text></svg>
<p class="legend"><span class="sw" style="background:#00796b"></span>hourly mean <span class="sw" style="background:#b2dfdb"></span>hourly min–max${d.imputed.length ? ' <span class="sw" style="background:#ef6c00"></span>imputed minutes (never counted as wear)' : ""}</p>`;
}

function flagBadges(flags: string[]): string {
  if (flags.length === 0) return `<span class="badge ok">ok</span>`;
  return flags.map((f) => `<span class="badge">${esc(f)}</span>`).join(" ");
}

export function renderReport(d: ReportData): string {
  const p = d.participants;
  const validRate = p.length ? p.reduce((a, s) => a + s.validDays, 0) / Math.max(1, p.reduce((a, s) => a + s.days, 0)) : 0;
  const wearSorted = p.map((s) => s.wearPercent).sort((a, b) => a - b);
  const medianWear = wearSorted.length ? wearSorted[Math.floor(wearSorted.length / 2)]! : 0;
  const flagged = p.filter((s) => s.flags.length > 0).length;
  const rows = p.map((s) => `<tr><td class="id">${esc(s.participantId)}</td><td>${esc(s.profile)}</td><td class="num">${s.validDays}/${s.days}</td>
<td class="num">${s.wearPercent.toFixed(1)}%</td><td>${s.lastSyncAt ? esc(s.lastSyncAt.toISOString().slice(0, 16).replace("T", " ")) + "Z" : "never"}<br><small>${s.daysSinceSync === null ? "" : `${s.daysSinceSync} days ago`}</small></td>
<td>${sparkline(s, d.thresholds)}</td><td>${flagBadges(s.flags)}</td></tr>`).join("\n");
  const th = d.thresholds;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wearable adherence report ${esc(d.firstDay)} – ${esc(d.lastDay)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#263238;margin:24px auto;max-width:1100px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.sub{color:#607d8b;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #cfd8dc;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}table{border-collapse:collapse;width:100%}th,td{padding:6px 8px;border-bottom:1px solid #eceff1;vertical-align:middle;text-align:left}
th{font-size:12px;text-transform:uppercase;color:#607d8b}td.num{text-align:right;font-variant-numeric:tabular-nums}td.id{font-weight:600}
.badge{display:inline-block;background:#ffebee;color:#b71c1c;border-radius:10px;padding:1px 8px;margin:1px;font-size:12px;white-space:nowrap}
.badge.ok{background:#e0f2f1;color:#00695c}.ax{font-size:11px;fill:#607d8b}.legend{color:#607d8b;font-size:12px}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:middle}small{color:#78909c}
</style></head><body>
<h1>Wearable adherence report</h1>
<p class="sub">${esc(d.firstDay)} – ${esc(d.lastDay)} · ${p.length} participants · generated ${esc(d.generatedAt.toISOString().slice(0, 19).replace("T", " "))}Z · embedded TimescaleDB, synthetic data</p>
<div class="cards">
<div class="card"><b>${p.length}</b>participants</div>
<div class="card"><b>${(validRate * 100).toFixed(0)}%</b>valid days (≥ ${th.validDayMinutes} min HR)</div>
<div class="card"><b>${medianWear.toFixed(1)}%</b>median wear time</div>
<div class="card"><b>${flagged}</b>flagged participants</div>
</div>
<h2>Participants</h2>
<table><thead><tr><th>Participant</th><th>Profile</th><th>Valid days</th><th>Wear</th><th>Last sync</th><th>Daily wear (dashed: ${th.validDayMinutes} min)</th><th>Flags</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="legend">Flags: no-sync ≥ ${th.daysWithoutSync} days · low-wear &lt; ${th.wearPercent}% · few-valid-days &lt; ${th.targetValidDaysPerWeek}/week · inactive-days &lt; ${th.inactiveStepsPerDay} steps on a worn day · no-main-sleep / classic-sleep: sleep data quality. Bars: <span class="sw" style="background:#26a69a"></span>valid day <span class="sw" style="background:#ef9a9a"></span>worn but not valid <span class="sw" style="background:#cfd8dc"></span>no wear.</p>
<h2>Wear minutes per day</h2>
${heatmap(p)}
<p class="legend">Darker = more minutes with heart rate; red outline = worn but below ${th.validDayMinutes} minutes.</p>
${d.heartRateDay ? `<h2>Heart rate of ${esc(d.heartRateDay.participantId)} on ${esc(d.heartRateDay.day)}, local time (from heart_rate_hourly)</h2>\n${heartRatePlot(d.heartRateDay)}` : ""}
<h2>Imputation</h2><p>${esc(d.imputation)}</p>
</body></html>
`;
}
