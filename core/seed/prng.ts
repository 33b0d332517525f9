/**
 * A small seeded PRNG (sfc32: 128-bit state, seeded through splitmix32). Seed data needs
 * repeatability and speed, not cryptographic quality; a library would add a dependency for
 * ten lines. A 32-bit-state generator (mulberry32) is not enough: every customer's stream is
 * a window on one 2^32 cycle, and at 500 customers those windows overlap, so UUIDs repeat.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped UUID drawn from this stream (deterministic, not random). */
  uuid(): string;
  hex(length: number): string;
}

export function createRng(seed: number): Rng {
  // splitmix32 spreads the 32-bit seed over sfc32's four words.
  let z = seed >>> 0;
  const split = () => {
    z = (z + 0x9e3779b9) >>> 0;
    let t = z;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const u32 = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // The first outputs of a fresh sfc32 state are weakly mixed: discard them.
  for (let i = 0; i < 12; i += 1) u32();
  const next = () => u32() / 4294967296;
  const hex8 = () => u32().toString(16).padStart(8, '0');
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as T;
    },
    uuid: () => {
      const h = hex8() + hex8() + hex8() + hex8();
      const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    hex: (length) => {
      let out = '';
      while (out.length < length) out += hex8();
      return out.slice(0, length);
    },
  };
}

/** Mixes a seed and a stream number into an independent 32-bit seed (per customer streams). */
export function deriveSeed(seed: number, stream: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
