// `seasonal+linear`: the equal-weight combination of the seasonal model and
// the straight line (Bates–Granger forecast combination). On real heart rate
// the profile model tends to relax a little too far and the line not at all;
// their average is often better than either. Only `auto` chooses it, and only
// when held-out blocks of the participant's own series say so. The model sd
// of the seasonal part gives the interval's shape; calibration scales it.
import type { Gap } from "../gaps.ts";
import { linear } from "./linear.ts";
import { seasonal } from "./seasonal.ts";
import type { GapEstimate, Imputer, MethodInput, PreparedImputer } from "./types.ts";

/** Combines already prepared parts (auto shares them with its other candidates). */
export function combineSeasonalLinear(s: PreparedImputer, l: PreparedImputer): PreparedImputer {
  return {
    async estimate(values: Float64Array, gap: Gap): Promise<GapEstimate> {
      const a = await s.estimate(values, gap);
      // Counts are modelled on the square-root scale; the combination is for heart rate only.
      if (a.space !== "identity") return a;
      const b = await l.estimate(values, gap);
      const value = a.value.map((v, k) => (Number.isFinite(b.value[k]!) ? (v + b.value[k]!) / 2 : v));
      return { value, sd: a.sd, space: a.space };
    },
  };
}

export const seasonalLinear: Imputer = {
  name: "seasonal+linear",
  async prepare(input: MethodInput): Promise<PreparedImputer> {
    return combineSeasonalLinear(await seasonal.prepare(input), await linear.prepare(input));
  },
};
