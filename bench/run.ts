/**
 * Benchmark runner (`npm run bench`): runs every benchmark in the list below, in order
 * (`npm run bench -- engine` runs only those whose name contains the argument).
 * Add a benchmark by importing its `run...Bench` function and appending it to the list.
 * Input hashes use node:crypto's SHA-256, as the CLI and the service install it.
 */
import { installNativeSha256 } from '../src/io/native-sha256.ts';
import { runPricingBench } from './pricing.bench.ts';
import { runMarginBench } from './margin.bench.ts';
import { runRiskBench } from './risk.bench.ts';
import { runOptimizeBench } from './optimize.bench.ts';
import { runClusterBench } from './cluster.bench.ts';
import { runEngineBench, runEngineRevaluationBench, runWhatIfBench } from './engine.bench.ts';

const benches: (() => Promise<void>)[] = [
  runPricingBench,
  runMarginBench,
  runRiskBench,
  runOptimizeBench,
  runClusterBench,
  runEngineBench,
  runWhatIfBench,
];

/** Run only by `npm run bench -- revaluation` (`runEngineBench` includes its rows). */
const extra: (() => Promise<void>)[] = [runEngineRevaluationBench];

installNativeSha256();
const only = process.argv[2]?.toLowerCase();
for (const b of benches) if (!only || b.name.toLowerCase().includes(only)) await b();
if (only === 'revaluation') for (const b of extra) await b();
