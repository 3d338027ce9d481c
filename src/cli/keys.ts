/**
 * `ballast keys create`: makes an API key, prints it once (only its SHA-256 is stored), scoped
 * to accounts (none given = all) and read-only or read-write. `ballast keys count` tells
 * whether a store has keys (a server on a public address needs at least one).
 */
import { Command } from '@commander-js/extra-typings';
import { BallastError } from '../core/errors.ts';
import { newApiKey } from '../server/api-keys.ts';
import { defaultDbPath, openStore } from '../store/open-store.ts';
import { guarded } from './errors.ts';

/** Builds the `keys` command. */
export function keysCommand() {
  const keys = new Command('keys').description('API keys of the service (stored hashed)');
  keys
    .command('create')
    .description('Create an API key and print it once')
    .requiredOption('--name <name>', 'who or what the key is for')
    .option('--accounts <ids>', 'comma-separated account ids the key may touch (default: all)')
    .option('--read-only', 'the key may read and compute, not change accounts or markets', false)
    .option('--db <path|url>', `SQLite file or postgres:// URL (default ${defaultDbPath()})`)
    .option('--json', 'print JSON', false)
    .addHelpText(
      'after',
      `\nExamples:\n  $ ballast keys create --name ops --db ./ballast.db\n  $ ballast keys create --name viewer --accounts desk-a,desk-b --read-only --db ./ballast.db`,
    )
    .action(
      guarded(async (o) => {
        if (o.name.trim() === '')
          throw new BallastError('INVALID_INPUT', 'give the key a name', '--name');
        const accounts = (o.accounts ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const store = await openStore(o.db ?? defaultDbPath());
        try {
          const { key, record } = newApiKey(o.name.trim(), accounts, o.readOnly, Date.now());
          await store.createKey(record);
          const scope = `${accounts.length ? `accounts ${accounts.join(', ')}` : 'all accounts'}, ${o.readOnly ? 'read-only' : 'read-write'}`;
          process.stdout.write(
            o.json
              ? `${JSON.stringify({ id: record.id, name: record.name, key, accounts, readOnly: o.readOnly })}\n`
              : `${key}\nkey "${record.name}" (${scope}); shown once, stored hashed: keep it now\n`,
          );
        } finally {
          await store.close();
        }
      }),
    );
  return keys;
}
