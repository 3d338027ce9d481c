/**
 * Bench-only preload for `ballast serve` (`node --import ./bench/server-probe.mjs bin/ballast.js
 * serve …`, set by bench/server-load.ts; cluster workers inherit it through execArgv). It
 * changes nothing the server does; it watches, inside each server process:
 * - the event-loop delay (`perf_hooks.monitorEventLoopDelay`, 1 ms resolution): how late a
 *   1 ms timer fires, i.e. how long the loop was blocked by one piece of synchronous work;
 * - garbage collection pauses (`PerformanceObserver` 'gc' entries): count, total and longest
 *   pause of scavenges (minor) and mark-compacts (major, incremental steps included);
 * - the server's own time per request: from `http.server.request.start` (headers parsed) to
 *   `http.server.response.finish` (the reply handed to the socket), node:diagnostics_channel.
 * On SIGUSR2 it writes what it saw since the last SIGUSR2 to `$BALLAST_PROBE_DIR/<pid>.json`
 * (via a temporary file and a rename; `seq` counts the dumps) and starts over.
 * Times in the file are milliseconds.
 */
import { subscribe } from 'node:diagnostics_channel';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const dir = process.env.BALLAST_PROBE_DIR;
if (dir) {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  /** Server time per request, µs. */
  const served = createHistogram();
  const started = new WeakMap();
  subscribe('http.server.request.start', ({ request }) => {
    started.set(request, process.hrtime.bigint());
  });
  subscribe('http.server.response.finish', ({ request }) => {
    const t0 = started.get(request);
    if (t0 !== undefined)
      served.record(Math.max(1, Number((process.hrtime.bigint() - t0) / 1000n)));
  });
  const fresh = () => ({ count: 0, totalMs: 0, maxMs: 0 });
  let gc = { minor: fresh(), major: fresh() };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      // kind 1 = scavenge; 2 = mark-compact, 4 = incremental marking, 8 = weak callbacks
      const g = e.detail?.kind === 1 ? gc.minor : gc.major;
      g.count++;
      g.totalMs += e.duration;
      g.maxMs = Math.max(g.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  /** Percentile `p` of histogram `h` (recorded in `unit` ns) in ms. */
  const ms = (h, p, unit = 1) => (h.count ? h.percentile(p) : 0) * (unit / 1e6);
  let seq = 0;
  process.on('SIGUSR2', () => {
    const out = {
      pid: process.pid,
      seq: ++seq,
      loopDelay: { p50: ms(loop, 50), p99: ms(loop, 99), max: loop.count ? loop.max / 1e6 : 0 },
      served: {
        count: served.count,
        p50: ms(served, 50, 1000),
        p99: ms(served, 99, 1000),
        max: served.count ? served.max / 1000 : 0,
      },
      gc,
    };
    loop.reset();
    served.reset();
    gc = { minor: fresh(), major: fresh() };
    const file = join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(out));
    renameSync(`${file}.tmp`, file);
  });
}
