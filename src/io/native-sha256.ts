/**
 * node:crypto's SHA-256 for the core's input hashes (core/hash.ts, a port with the pure-JS
 * function as default): the same digests, native. The adapters install it at startup: the CLI
 * (`runCli`), the service (`buildServer`) and the worker threads that evaluate margins.
 */
import { createHash } from 'node:crypto';
import { installSha256, type Sha256Hex } from '../core/hash.ts';

/** Hex SHA-256 of the UTF-8 bytes of `text`, by node:crypto. */
export const nativeSha256Hex: Sha256Hex = (text) =>
  createHash('sha256').update(text, 'utf8').digest('hex');

/** Installs `nativeSha256Hex` as the core's SHA-256 (checked against the pure-JS one). */
export function installNativeSha256(): void {
  installSha256('node:crypto', nativeSha256Hex);
}
