/**
 * Rebuilds src/engine/key-vectors-simd-wasm.ts from src/engine/key-vectors-simd.wat with the
 * pinned wabt (test/engine/key-vectors-simd.test.ts fails when the two disagree).
 * Run: npm run wasm:build
 */
import { writeFileSync } from 'node:fs';
import {
  assembleWat,
  KEY_VECTORS_WASM_TS,
  KEY_VECTORS_WAT,
  wasmModuleSource,
} from './wasm-assemble.ts';

const bytes = await assembleWat(KEY_VECTORS_WAT);
writeFileSync(KEY_VECTORS_WASM_TS, wasmModuleSource(bytes));
console.log(`wrote ${KEY_VECTORS_WASM_TS} (${bytes.length} bytes of wasm)`);
