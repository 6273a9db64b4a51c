// Gap model: finds runs of missing grid points and decides which of them may
// be imputed. Only sensor dropouts inside worn periods are filled. Non-wear
// (a long heart-rate absence while the step counter shows nothing) and gaps
// longer than maxGap are left empty, as research practice requires.

export interface Gap {
  /** First missing index. */
  start: number;
  /** One past the last missing index. */
  end: number;
}

export type GapKind = "dropout" | "non-wear" | "too-long";

export interface ClassifiedGap extends Gap {
  kind: GapKind;
  /** True when the gap touches the start or end of the series (one-sided). */
  edge: boolean;
}

export function gapLength(g: Gap): number {
  return g.end - g.start;
}

/** Maximal runs of NaN. */
export function findGaps(values: ArrayLike<number>): Gap[] {
  const gaps: Gap[] = [];
  let i = 0;
  const n = values.length;
  while (i < n) {
    if (!Number.isNaN(values[i]!)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && Number.isNaN(values[i]!)) i++;
    gaps.push({ start, end: i });
  }
  return gaps;
}

export interface ClassifyOptions {
  /** Longest gap (in grid points) that may be imputed. */
  maxGapPoints: number;
  /**
   * Step counts on the same grid (NaN = no record). With it, a heart-rate gap
   * of at least nonWearMinPoints whose steps are all zero or missing is
   * non-wear. Without it (offline CSV mode) only maxGap applies.
   */
  steps?: ArrayLike<number>;
  /** For the steps metric: heart rate on the same grid; steps gaps without heart rate are non-wear. */
  heartRate?: ArrayLike<number>;
  nonWearMinPoints: number;
}

function allZeroOrMissing(values: ArrayLike<number>, g: Gap): boolean {
  for (let i = g.start; i < g.end; i++) {
    const v = values[i];
    if (v !== undefined && !Number.isNaN(v) && v > 0) return false;
  }
  return true;
}

function heartRateAbsent(values: ArrayLike<number>, g: Gap): boolean {
  for (let i = g.start; i < g.end; i++) {
    const v = values[i];
    if (v !== undefined && !Number.isNaN(v)) return false;
  }
  return true;
}

export function classifyGaps(gaps: readonly Gap[], n: number, opts: ClassifyOptions): ClassifiedGap[] {
  return gaps.map((g) => {
    const len = gapLength(g);
    const edge = g.start === 0 || g.end === n;
    let kind: GapKind = "dropout";
    const longEnough = len >= opts.nonWearMinPoints;
    if (longEnough && opts.steps && allZeroOrMissing(opts.steps, g)) kind = "non-wear";
    else if (longEnough && opts.heartRate && heartRateAbsent(opts.heartRate, g)) kind = "non-wear";
    else if (len > opts.maxGapPoints) kind = "too-long";
    // A whole series with no data has nothing to impute from.
    if (g.start === 0 && g.end === n) kind = "too-long";
    return { ...g, kind, edge };
  });
}
