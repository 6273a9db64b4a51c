// A small seeded PRNG (splitmix32 stepping + murmur3-style finaliser). The
// synthetic source never uses Math.random: every stream is derived from the
// participant's seed plus a label such as "night|2026-11-01", so any day can
// be regenerated on its own and always gives the same numbers.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  chance(p: number): boolean;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

function finalise(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** 32-bit FNV-1a over the UTF-16 code units, then finalised for avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return finalise(h >>> 0);
}

/** A stream keyed by its parts, e.g. createRng(seed, "steps", "2026-11-01"). */
export function createRng(...parts: (string | number)[]): Rng {
  let state = hash32(parts.join("|"));
  const next = () => {
    state = (state + 0x9e3779b9) >>> 0;
    return finalise(state) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    normal: () => {
      const u = 1 - next(); // (0, 1] so log() is finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
