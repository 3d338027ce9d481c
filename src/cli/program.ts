/**
 * The `ballast` command line. Thin: parses flags, calls src/io and the pure layers,
 * prints reports. See `ballast --help` and each command's `--help`. `runCli` runs one
 * invocation in-process and returns its exit code (src/cli/main.ts is the executable).
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { reportError, EXIT_USER_ERROR } from './errors.ts';
import { priceCommand } from './price.ts';
import { surfaceCommand } from './surface.ts';
import { marketCommand } from './market.ts';
import { demoCommand } from './demo.ts';
import { compareCommand, marginCommand, whatifCommand } from './margin.ts';
import { backtestCommand, healthCommand, stressCommand, varCommand } from './risk.ts';
import { allocateCommand, cureCommand, optimizeCommand } from './optimize.ts';
import { verifyCommand } from './verify.ts';
import { calibrateCommand } from './calibrate.ts';
import { workerCommand } from './worker.ts';
import { clusterCommand } from './cluster.ts';
import { engineCommand } from './engine.ts';
import { keysCommand } from './keys.ts';
import { serveCommand } from './serve.ts';
import { installNativeSha256 } from '../io/native-sha256.ts';

/** Builds a fresh program (commander keeps parse state, so one per run). */
function buildProgram() {
  const program = new Command('ballast')
    .description('Portfolio-margin engine and optimizer for crypto derivatives')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage and examples)')
    .exitOverride()
    .addHelpText(
      'after',
      `
  Examples:
    $ ballast price --forward 65000 --strike 70000 --days 30 --vol 0.55 --inverse
    $ ballast surface data/deribit-quantflow/volsurface_btc.json
    $ ballast market build data/deribit-quantflow/deribit_btc.json.gz -o snapshot.json
    $ ballast demo

  Exit codes: 0 ok, 2 bad input or market data (the message names the field), 1 internal error.`,
    );

  program.addCommand(priceCommand());
  program.addCommand(surfaceCommand());
  program.addCommand(marketCommand());
  program.addCommand(marginCommand());
  program.addCommand(compareCommand());
  program.addCommand(whatifCommand());
  program.addCommand(varCommand());
  program.addCommand(stressCommand());
  program.addCommand(healthCommand());
  program.addCommand(backtestCommand());
  program.addCommand(optimizeCommand());
  program.addCommand(cureCommand());
  program.addCommand(allocateCommand());
  program.addCommand(verifyCommand());
  program.addCommand(calibrateCommand());
  program.addCommand(demoCommand());
  program.addCommand(workerCommand());
  program.addCommand(clusterCommand());
  program.addCommand(engineCommand());
  program.addCommand(serveCommand());
  program.addCommand(keysCommand());

  // addCommand does not pass settings down: every (sub)command exits through our handler.
  const inherit = (c: Command<unknown[], Record<string, unknown>>): void => {
    for (const sub of c.commands as Command<unknown[], Record<string, unknown>>[]) {
      sub.exitOverride().showHelpAfterError('(run with --help for usage and examples)');
      inherit(sub);
    }
  };
  inherit(program as unknown as Command<unknown[], Record<string, unknown>>);
  return program;
}

/**
 * Runs one invocation (`argv` without node and script) and returns the exit code. Input
 * hashes use node:crypto's SHA-256 (installed here; the same digests as the core's pure-JS one).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  installNativeSha256();
  const program = buildProgram();
  const previous = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors (unknown option, missing argument) exit 2.
      return e.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    }
    return reportError(e);
  } finally {
    process.exitCode = previous;
  }
}
