/**
 * Reading bench/server-probe.mjs from the bench: the server processes of a `ballast serve`
 * (the spawned process and its descendants that loaded the probe), a SIGUSR2 to each (each
 * writes what it saw since the previous one and starts over), and the files read back and
 * combined over the processes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** GC pauses of one kind: count, total and longest pause, ms. */
export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** What one probe dump holds (bench/server-probe.mjs). */
interface ProbeDump {
  pid: number;
  seq: number;
  loopDelay: { p50: number; p99: number; max: number };
  served: { count: number; p50: number; p99: number; max: number };
  gc: { minor: GcPauses; major: GcPauses };
}

/** A run seen from inside the server, combined over its processes (times in ms). */
export interface ServerView {
  /** Event-loop delay p99 and max: the worst process's. */
  loopP99: number;
  loopMax: number;
  /** Server time per request (headers parsed → reply handed to the socket): worst p99, max. */
  servedP99: number;
  servedMax: number;
  /** Requests the server finished. */
  served: number;
  /** GC pauses summed over the processes (max: the longest anywhere). */
  minor: GcPauses;
  major: GcPauses;
}

/** Pids of `root` and its descendants, from /proc. */
function processTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while listed
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++)
    for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

/** The probed server processes under `root` (their command line loads the probe). */
function probed(root: number): number[] {
  return processTree(root).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server-probe.mjs');
    } catch {
      return false;
    }
  });
}

/** Per process: how many dumps were asked for. */
const asked = new Map<number, number>();

/** Asks every probed process under `root` for its dump and waits for them (≤ 5 s). */
export async function probeDump(root: number, dir: string): Promise<ProbeDump[]> {
  const pids = probed(root);
  for (const pid of pids) {
    asked.set(pid, (asked.get(pid) ?? 0) + 1);
    process.kill(pid, 'SIGUSR2');
  }
  const out: ProbeDump[] = [];
  const t0 = performance.now();
  for (const pid of pids) {
    const file = join(dir, `${pid}.json`);
    for (;;) {
      const d = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProbeDump) : null;
      if (d && d.seq === asked.get(pid)) {
        out.push(d);
        break;
      }
      if (performance.now() - t0 > 5000) throw new Error(`server process ${pid}: no probe dump`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return out;
}

/** The dumps of one run combined over the processes. */
export function serverView(dumps: readonly ProbeDump[]): ServerView {
  const sum = (k: 'minor' | 'major'): GcPauses => ({
    count: dumps.reduce((n, d) => n + d.gc[k].count, 0),
    totalMs: dumps.reduce((n, d) => n + d.gc[k].totalMs, 0),
    maxMs: Math.max(0, ...dumps.map((d) => d.gc[k].maxMs)),
  });
  const worst = (f: (d: ProbeDump) => number) => Math.max(0, ...dumps.map(f));
  return {
    loopP99: worst((d) => d.loopDelay.p99),
    loopMax: worst((d) => d.loopDelay.max),
    servedP99: worst((d) => d.served.p99),
    servedMax: worst((d) => d.served.max),
    served: dumps.reduce((n, d) => n + d.served.count, 0),
    minor: sum('minor'),
    major: sum('major'),
  };
}
