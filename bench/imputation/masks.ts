// Benchmark masks: contiguous blocks of 1, 5, 15, 60 and 180 minutes placed
// only where the truth is fully observed, with at least an hour of context
// on both sides that is itself mostly observed and free of other masks.
import { mulberry32 } from "../../jobs/impute/random.ts";

export const GAP_LENGTHS = [1, 5, 15, 60, 180] as const;
export const CONTEXT = 60;
/** Share of the context hour on each side that must be observed. */
export const CONTEXT_OBSERVED = 0.8;

export interface Mask {
  start: number;
  length: number;
}

function prefixObserved(values: Float64Array): Int32Array {
  const p = new Int32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) p[i + 1] = p[i]! + (Number.isNaN(values[i]!) ? 0 : 1);
  return p;
}

export function eligibleStarts(values: Float64Array, length: number): number[] {
  const p = prefixObserved(values);
  const obs = (a: number, b: number) => p[b]! - p[a]!;
  const out: number[] = [];
  const need = Math.ceil(CONTEXT * CONTEXT_OBSERVED);
  for (let s = CONTEXT; s + length + CONTEXT <= values.length; s++) {
    if (obs(s, s + length) !== length) continue;
    if (Number.isNaN(values[s - 1]!) || Number.isNaN(values[s + length]!)) continue;
    if (obs(s - CONTEXT, s) < need || obs(s + length, s + length + CONTEXT) < need) continue;
    out.push(s);
  }
  return out;
}

/**
 * Rounds of non-overlapping masks (each round is imputed in one run), until
 * `perLength` masks per length are placed or candidates run out.
 */
export function planMasks(values: Float64Array, perLength: number, seed: number, maxRounds = 16): Mask[][] {
  // Short masks hold few points each: three times as many keep their MAE and coverage stable.
  const target = (L: number) => (L <= 5 ? 3 * perLength : perLength);
  const rand = mulberry32(seed);
  const cands = new Map<number, number[]>(GAP_LENGTHS.map((L) => [L, eligibleStarts(values, L)]));
  const placed = new Map<number, number>(GAP_LENGTHS.map((L) => [L, 0]));
  const rounds: Mask[][] = [];
  for (let r = 0; r < maxRounds; r++) {
    const taken = new Uint8Array(values.length);
    const round: Mask[] = [];
    for (const L of GAP_LENGTHS) {
      const list = cands.get(L)!;
      let tries = 0;
      while (placed.get(L)! < target(L) && list.length && tries++ < 200) {
        const s = list[Math.floor(rand() * list.length)]!;
        // No other mask inside this mask's context hours (contexts may overlap).
        const a = Math.max(0, s - CONTEXT), b = Math.min(values.length, s + L + CONTEXT);
        if (taken.subarray(a, b).some((x) => x)) continue;
        taken.fill(1, s, s + L);
        round.push({ start: s, length: L });
        placed.set(L, placed.get(L)! + 1);
        // A few per length per round, so every length gets room in short series.
        if (round.filter((m) => m.length === L).length >= Math.max(2, Math.ceil(target(L) / 4))) break;
      }
    }
    if (round.length === 0) break;
    rounds.push(round);
    if (GAP_LENGTHS.every((L) => placed.get(L)! >= target(L))) break;
  }
  return rounds;
}
