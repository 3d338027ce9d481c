/**
 * Minimal types for the untyped `sobol` package (1.1.4, MIT licence file, tornord/sobol): a
 * 20-bit Sobol generator with Joe-Kuo direction numbers. A devDependency, used only as the
 * reference of test/core/sobol.test.ts (src/core/sobol.ts is our own generator).
 */
declare module 'sobol' {
  /** Sobol generator in `dim` dimensions (1 ≤ dim ≤ 21201); the first vector is all zeros. */
  export class SobolSequenceGenerator {
    constructor(dim: number);
    /** The next point of the sequence, one coordinate per dimension, in [0, 1). */
    nextVector(): number[];
  }
}
