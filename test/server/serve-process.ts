/**
 * `ballast serve` as a real child process (one node process: bin/ballast.js), for tests that
 * must kill it. Resolves once it prints `listening on http://HOST:PORT`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../cli/run-cli.ts';

/** A running server process and its base URL. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

/**
 * Starts `ballast serve --port 0 --db <db> [...args]` on loopback; rejects if it exits first.
 */
export function startServe(
  db: string,
  timeoutMs = 90_000,
  args: readonly string[] = [],
): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/ballast.js'),
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--db',
      db,
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}

/** Stops a server process with `signal` and waits for it to exit. */
export function stopServe(p: ServeProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}
