/**
 * Seeded pseudo-random numbers: the only source of randomness in the pure layers
 * (docs/architecture.md, "pure"). Built on pure-rand's xoroshiro128+ (Blackman & Vigna,
 * "Scrambled linear pseudorandom number generators", ACM TOMS 2021), which is *jumpable*:
 * `jump()` advances the state by 2^64 draws, so forks are non-overlapping streams.
 *
 * Everything is deterministic and bit-reproducible across platforms: integer arithmetic
 * in the generator, uniforms as exact multiples of 2^-53, normals by inversion with
 * `normInv` (no Box-Muller, no rejection), so the k-th draw of a seed never changes.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import { BallastError } from './errors.ts';
import { normInv } from './normal.ts';

/** A seeded random stream. Each call advances the stream (the object holds mutable state). */
export interface Rng {
  /** Uniform on [0, 1): a multiple of 2^-53 built from two 32-bit outputs (pure-rand `uniformFloat64`). */
  next(): number;
  /**
   * Standard normal N(0, 1) by inversion: `normInv(u + 2^-54)` with `u = next()`, so the
   * argument lies in (0, 1) and the result is finite (|z| ≤ 8.3).
   */
  normal(): number;
  /**
   * An independent stream: a copy of this stream's current state advanced by
   * `(stream + 1) · 2^64` draws (`stream + 1` xoroshiro128+ jumps). Distinct `stream`
   * numbers taken from the same parent state never overlap for fewer than 2^64 draws each,
   * and do not advance the parent. Take all forks from one parent: a fork of a fork
   * (`r.fork(0).fork(0)`) lands on the same stream as `r.fork(1)`.
   */
  fork(stream: number): Rng;
}

/** Half the spacing of `next()`'s grid: shifts u ∈ [0, 1) into (0, 1) for inversion. */
const HALF_ULP53 = 2 ** -54;
/** Largest stream number `fork` accepts (each stream costs `stream + 1` jumps). */
export const MAX_FORK_STREAM = 1_000_000;

/** SplitMix32-style finaliser (Stafford's mix13 adapted to 32 bits): one 32-bit word of output. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/**
 * Expands a seed into the four 32-bit words of xoroshiro128+ state through a SplitMix32
 * sequence (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014),
 * so nearby seeds (1, 2, 3 …) give unrelated streams. pure-rand's own `xoroshiro128plus(seed)`
 * puts the seed in the state unmixed, and its first outputs track the seed.
 */
function stateFromSeed(seed: number): number[] {
  const lo = (seed % 0x1_0000_0000) | 0;
  const hi = Math.floor(seed / 0x1_0000_0000) | 0;
  let z = mix32(lo ^ 0x9e3779b9) ^ mix32(hi ^ 0x7f4a7c15);
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) | 0;
    words.push(mix32(z));
  }
  if ((words[0]! | words[1]! | words[2]! | words[3]!) === 0) words[0] = 1; // the all-zero state is a fixed point
  return words;
}

function wrap(gen: JumpableRandomGenerator): Rng {
  return {
    next: () => uniformFloat64(gen),
    normal: () => normInv(uniformFloat64(gen) + HALF_ULP53),
    fork(stream: number): Rng {
      if (!Number.isInteger(stream) || stream < 0 || stream > MAX_FORK_STREAM) {
        throw new BallastError(
          'INVALID_INPUT',
          `must be an integer in [0, ${MAX_FORK_STREAM}], got ${stream}`,
          'stream',
        );
      }
      const child = gen.clone();
      for (let j = 0; j <= stream; j++) child.jump();
      return wrap(child);
    },
  };
}

/**
 * A seeded xoroshiro128+ stream. `seed` is any safe integer (negative allowed); the same seed
 * always gives the same sequence of `next()` / `normal()` values, bit for bit.
 * Throws INVALID_INPUT (field `seed`) for a non-integer or unsafe seed.
 */
export function seededRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new BallastError('INVALID_INPUT', `must be a safe integer, got ${String(seed)}`, 'seed');
  }
  return wrap(xoroshiro128plusFromState(stateFromSeed(seed)));
}
