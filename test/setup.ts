// Property tests are reproducible: one global fast-check seed (a test may still set its own).
// Change the seed (or set FC_SEED) to explore other inputs locally.
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261121) });
