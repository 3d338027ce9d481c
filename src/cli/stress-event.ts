/**
 * `ballast stress … --event <id>`: replays crashes that happened (published daily moves,
 * src/scenarios/crash-events.ts) on a book, re-margined by the full model at each day's low
 * and close (src/account/crash-replay.ts), reporting the first day it would have been
 * liquidated.
 */
import { replayCrash } from '../account/crash-replay.ts';
import { marginModel } from '../margin/registry.ts';
import { CRASH_EVENTS, crashEvent } from '../scenarios/crash-events.ts';
import { toJsonText } from '../io/json-output.ts';
import { renderCrashReplay } from '../io/render-crash.ts';
import { loadMarketChecked, loadPortfolio, modelParams } from './context.ts';

/** Options the crash replay reads from the `stress` command. */
export interface StressEventOptions {
  readonly event: readonly string[];
  readonly model?: string;
  readonly params?: string;
  readonly json?: boolean;
}

/** Runs the crash replays of `--event` (ids, or `all`) and prints them. */
export function runStressEvents(
  file: string,
  o: StressEventOptions & Parameters<typeof loadMarketChecked>[0],
): void {
  const { snapshot } = loadMarketChecked(o);
  const portfolio = loadPortfolio(file, snapshot);
  const model = marginModel(o.model ?? 'deribit-pm');
  const params = modelParams(model, o.params);
  const events = o.event.includes('all')
    ? CRASH_EVENTS
    : o.event.map((id) => crashEvent(id, '--event'));
  const replays = events.map((e) => ({
    event: e,
    replay: replayCrash(portfolio, snapshot, model, params, e),
  }));
  if (o.json) {
    process.stdout.write(
      toJsonText(
        replays.map(({ event, replay }) => ({
          event: {
            id: event.id,
            name: event.name,
            source: event.source,
            impliedVol: event.impliedVol ?? {},
          },
          ...replay,
        })),
      ),
    );
    return;
  }
  process.stdout.write(
    `${replays.map(({ event, replay }) => renderCrashReplay(event, replay)).join('\n\n')}\nFull revaluation by ${model.id} at each day's low and close; time does not pass, positions and collateral are held.\n`,
  );
}
