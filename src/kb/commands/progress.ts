// What `kb run` shows while it works: a live display on a terminal, and one plain line per
// event elsewhere (CI logs), so both a person and a log reader can follow a run.
import { createLogUpdate } from 'log-update';
import type { RunnerEvent } from './run.ts';

type Print = (line: string) => void;

export function createProgress(stream: NodeJS.WriteStream, print: Print) {
  return stream.isTTY ? liveProgress(stream) : linePerEvent(print);
}

function linePerEvent(print: Print) {
  return (event: RunnerEvent) => {
    switch (event.type) {
      case 'begin':
        print(event.dryRun ? `dry run: ${event.total} quer${event.total === 1 ? 'y' : 'ies'} would run` : `running ${event.total} quer${event.total === 1 ? 'y' : 'ies'}`);
        break;
      case 'plan':
        print(`${event.id}: planned ${event.subQueries.length} sub-queries`);
        break;
      case 'search':
        print(`${event.id}: step ${event.step}/${event.of} ${event.error ? `failed: ${event.error}` : `${event.results} results`}`);
        break;
      case 'done':
        print(event.outcome.outcome === 'published' ? `${event.outcome.id}: published ${event.outcome.session}` : `${event.outcome.id}: FAILED: ${event.outcome.error}`);
        break;
    }
  };
}

function liveProgress(stream: NodeJS.WriteStream) {
  const render = createLogUpdate(stream);
  const current = new Map<string, string>();
  let total = 0;
  let done = 0;
  const failures: string[] = [];
  const draw = () =>
    render(
      [
        `kb run  ${done}/${total} done${failures.length ? `, ${failures.length} failed` : ''}`,
        ...[...current].map(([id, state]) => `  ${id}: ${state}`),
        ...failures.map((f) => `  ✗ ${f}`),
      ].join('\n'),
    );
  return (event: RunnerEvent) => {
    if (event.type === 'begin') total = event.total;
    else if (event.type === 'query') current.set(event.id, 'planning');
    else if (event.type === 'plan') current.set(event.id, `searching 0/${event.subQueries.length}`);
    else if (event.type === 'search') current.set(event.id, `searching ${event.step}/${event.of}`);
    else if (event.type === 'done') {
      done++;
      current.delete(event.outcome.id);
      if (event.outcome.outcome === 'failed') failures.push(`${event.outcome.id}: ${event.outcome.error}`);
    }
    draw();
    if (event.type === 'done' && done === total) render.done();
  };
}
