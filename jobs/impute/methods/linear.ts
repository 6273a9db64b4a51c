// Linear interpolation between the observed neighbours; one-sided gaps (at
// the start or end of the series) carry the only neighbour. Its uncertainty
// is a Brownian bridge: the model behind straight-line interpolation.
import type { Gap } from "../gaps.ts";
import { gapLength } from "../gaps.ts";
import { endpoints, incrementVariance } from "./endpoints.ts";
import type { GapEstimate, Imputer, MethodInput } from "./types.ts";

export function linearEstimate(values: Float64Array, gap: Gap, q: number): GapEstimate {
  const n = gapLength(gap);
  const { left, right } = endpoints(values, gap);
  const value = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const t = k + 1; // steps from the left neighbour
    if (left !== undefined && right !== undefined) {
      const w = t / (n + 1);
      value[k] = left + (right - left) * w;
      sd[k] = Math.sqrt(q * ((t * (n + 1 - t)) / (n + 1)));
    } else {
      const only = left ?? right ?? NaN;
      value[k] = only;
      const dist = left !== undefined ? t : n - k;
      sd[k] = Math.sqrt(q * dist);
    }
  }
  return { value, sd, space: "identity" };
}

export const linear: Imputer = {
  name: "linear",
  async prepare(input: MethodInput) {
    const q = incrementVariance(input.values);
    return { estimate: async (values: Float64Array, gap: Gap) => linearEstimate(values, gap, q) };
  },
};
