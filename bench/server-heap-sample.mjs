/**
 * Bench-only preload: where a `ballast serve` process allocates, per request. For example
 * `BENCH_SERVER_FLAGS="--import ./bench/server-heap-sample.mjs" HEAP_SAMPLE_OUT=/tmp/hs
 * BENCH_ONLY="summary at" BENCH_REPEATS=1 BENCH_WORKERS=1 npm run bench:server` (HEAP_SAMPLE_OUT
 * is a file prefix): after HEAP_SAMPLE_SKIP answered requests (default 500: past the warm-up) it
 * runs V8's sampling heap profiler (every 512 bytes, objects collected by minor and major GCs
 * included, i.e. every allocation) over the next HEAP_SAMPLE_REQUESTS (default 4,000), then
 * writes `<prefix>.<pid>.txt`: bytes per request by part of the request (the summary what-if's
 * after-trade report read through `inputsHash`/`unverified`, the incremental what-if, body
 * parsing, reply, …; the first matching part of the stack wins) and the 40 heaviest
 * allocation sites (4 frames). HEAP_SAMPLE_SURVIVORS=1 leaves out what the scavenges collected:
 * what is left is what was promoted to the old generation (or still live at the end). Sampled, so ±a few %; it changes nothing the server answers.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const out = process.env.HEAP_SAMPLE_OUT;
const skip = Number(process.env.HEAP_SAMPLE_SKIP ?? 500);
const count = Number(process.env.HEAP_SAMPLE_REQUESTS ?? 4000);
/** HEAP_SAMPLE_SURVIVORS=1: count only what survives the scavenges (promoted or still live). */
const survivors = process.env.HEAP_SAMPLE_SURVIVORS === '1';

/** Parts of a request, by a pattern on its allocation stack (first match wins). */
const PARTS = [
  [/get (inputsHash|unverified)/, 'summary: the after-trade report read for inputsHash/unverified'],
  [/whatIfSummary|side what-if-summary/, 'summary: the rest'],
  [/whatIfUseCase/, 'what-if (incremental)'],
  [/bookFor/, 'the book (cache key, parse)'],
  [/resolve market-source/, 'market resolve'],
  [/sendJson|toJsonCompact/, 'reply serialisation'],
  [/routes-compute/, 'route, other (inlined)'],
  [/reply\.js|_http|net\.js|writable|stream_base/, 'fastify/node reply and socket'],
  [/content-type-parser|secure-json/, 'body parse'],
];

/** Writes the report of `profile` over `n` requests. */
function report(profile, n) {
  const parts = new Map();
  const sites = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const f = node.callFrame;
    const name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}`;
    const st = [...stack, name];
    if (node.selfSize) {
      total += node.selfSize;
      const joined = st.join(' | ');
      const part = PARTS.find(([re]) => re.test(joined))?.[1] ?? 'other';
      parts.set(part, (parts.get(part) ?? 0) + node.selfSize);
      const site = st.slice(-4).reverse().join(' < ');
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const c of node.children) walk(c, st);
  };
  walk(profile.head, []);
  const kb = (b) => `${(b / n / 1024).toFixed(1)} KB/request`;
  const lines = [`${n} requests, ${kb(total)} allocated`, ''];
  for (const [k, v] of [...parts].sort((a, b) => b[1] - a[1])) lines.push(`${kb(v)}  ${k}`);
  lines.push('');
  for (const [k, v] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 40))
    lines.push(`${kb(v)}  ${k}`);
  writeFileSync(`${out}.${process.pid}.txt`, `${lines.join('\n')}\n`);
}

if (out) {
  const session = new Session();
  session.connect();
  let answered = 0;
  let startedAt = -1;
  let state = 'waiting';
  subscribe('http.server.response.finish', () => {
    answered++;
    if (state === 'waiting' && answered >= skip) {
      state = 'starting';
      void session
        .post('HeapProfiler.enable')
        .then(() =>
          session.post('HeapProfiler.startSampling', {
            samplingInterval: 512,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: !survivors,
          }),
        )
        .then(() => {
          startedAt = answered;
          state = 'sampling';
        });
    } else if (state === 'sampling' && answered >= startedAt + count) {
      state = 'done';
      const n = answered - startedAt;
      void session.post('HeapProfiler.stopSampling').then(({ profile }) => report(profile, n));
    }
  });
}
