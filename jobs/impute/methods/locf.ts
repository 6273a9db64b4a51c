// Last observation carried forward (back-filled at the start of a series):
// the seed's method for steps, kept as a baseline. Uncertainty grows like a
// random walk away from the carried value.
import type { Gap } from "../gaps.ts";
import { gapLength } from "../gaps.ts";
import { endpoints, incrementVariance } from "./endpoints.ts";
import type { GapEstimate, Imputer, MethodInput } from "./types.ts";

export function locfEstimate(values: Float64Array, gap: Gap, q: number): GapEstimate {
  const n = gapLength(gap);
  const { left, right } = endpoints(values, gap);
  const value = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    value[k] = left ?? right ?? NaN;
    const dist = left !== undefined ? k + 1 : n - k;
    sd[k] = Math.sqrt(q * dist);
  }
  return { value, sd, space: "identity" };
}

export const locf: Imputer = {
  name: "locf",
  async prepare(input: MethodInput) {
    const q = incrementVariance(input.values);
    return { estimate: async (values: Float64Array, gap: Gap) => locfEstimate(values, gap, q) };
  },
};
