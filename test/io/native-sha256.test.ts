/**
 * io/native-sha256.ts and the core's SHA-256 port (core/hash.ts): node:crypto's SHA-256 gives
 * the pure-JS digests on random texts (unicode of every width, lengths across the 64-byte block
 * boundaries); a function that differs is refused and the installed one kept; the CLI
 * (`runCli`) and the service (`buildServer`) install the native one, and hashes then equal
 * the pure-JS ones.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  canonicalHash,
  installSha256,
  pureSha256Hex,
  sha256Hex,
  sha256Implementation,
} from '../../src/core/hash.ts';
import { installNativeSha256, nativeSha256Hex } from '../../src/io/native-sha256.ts';
import { runCli } from '../cli/run-cli.ts';
import { buildServer } from '../../src/server/server.ts';
import { openStore } from '../../src/store/open-store.ts';

const texts = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 2000 }),
  fc.string({ unit: 'binary-ascii', minLength: 50, maxLength: 140 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀'), maxLength: 5000 }),
);

describe('the SHA-256 port', () => {
  it('node:crypto and pure JS give the same digests on random texts', () => {
    fc.assert(
      fc.property(texts, (t) => {
        const d = nativeSha256Hex(t);
        expect(d).toMatch(/^[0-9a-f]{64}$/);
        expect(d).toBe(pureSha256Hex(t));
      }),
      { numRuns: 1500, seed: 8 },
    );
    for (let n = 0; n < 200; n++)
      expect(nativeSha256Hex('é'.repeat(n))).toBe(pureSha256Hex('é'.repeat(n)));
  });

  it('refuses a function that differs, keeping the installed one', () => {
    installSha256('pure-js', pureSha256Hex);
    const wrong = (t: string) => (t.length === 64 ? pureSha256Hex(`${t}.`) : pureSha256Hex(t));
    expect(() => installSha256('wrong', wrong)).toThrow(/differs/);
    expect(sha256Implementation()).toBe('pure-js');
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('the CLI installs node:crypto; input hashes are unchanged', async () => {
    installSha256('pure-js', pureSha256Hex);
    const value = { b: [1, 2.5, -0, 'é😀'], a: { z: null, y: 1e21 } };
    const pure = canonicalHash(value);
    expect((await runCli(['--version'])).status).toBe(0);
    expect(sha256Implementation()).toBe('node:crypto');
    expect(canonicalHash(value)).toBe(pure);
  });

  it('the service installs node:crypto', async () => {
    installSha256('pure-js', pureSha256Hex);
    const store = await openStore(':memory:');
    const app = await buildServer({ store });
    expect(sha256Implementation()).toBe('node:crypto');
    await app.close();
    await store.close();
    installNativeSha256();
    expect(sha256Implementation()).toBe('node:crypto');
  });
});
