/** The `ballast` executable: runs the CLI on the process arguments. */
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv.slice(2));
