/**
 * `npm run bench -- <name> [options]`: runs one benchmark. Each prints its figures beside a baseline
 * measured in the same run; scale comes from the options. `npm run bench -- --check` runs the cost curves
 * and fails when a figure regressed against the committed results.
 */
import { auditBench } from './audit';
import { coldStartBench } from './cold-start';
import { costCurvesBench } from './cost-curves';
import { dashboardScaleBench } from './dashboard-scale';
import { deadlinesBench } from './deadlines';
import { ingestBench } from './ingest';
import { projectionRebuildFigure } from './projection-rebuild';
import { readSideBench } from './read-side';
import { readStoreBench } from './read-store';
import { scheduleBench } from './schedule';
import { schedulerBench } from './scheduler';
import { storeBench } from './store';
import { upcastBench } from './upcast';

const benchmarks: Record<string, { run: (args: string[]) => Promise<void>; about: string }> = {
  store: { run: (args) => storeBench(args, [projectionRebuildFigure]), about: 'event store appends (group commit), reads, projection rebuild' },
  'read-side': { run: readSideBench, about: 'history, logs and stats queries and projection rebuilds at scale (embedded stores)' },
  'read-store': { run: readStoreBench, about: 'read-store batch writes against raw SQLite' },
  schedule: { run: scheduleBench, about: 'compiled schedules against one croner job per task' },
  scheduler: { run: schedulerBench, about: 'the scheduler on real time: fire lateness, executions/s, memory per task, against one croner job per task' },
  deadlines: { run: deadlinesBench, about: 'deadline detection lateness for 100,000 open executions against one setTimeout per execution' },
  audit: { run: auditBench, about: 'appends with the hash chain against without, and audit verify over 1M events' },
  upcast: { run: upcastBench, about: 'upcasting on read: rebuild of a v1-heavy history against the same history all current' },
  'dashboard-scale': { run: dashboardScaleBench, about: 'the project page in Chromium with 1,000 tasks and 1M executions against 10 tasks: time until interactive, largest response' },
  'cold-start': { run: coldStartBench, about: 'server start to healthy with 10M events and caught-up read models, against an empty data dir and a bare node process' },
  ingest: { run: ingestBench, about: 'executor reports over HTTP (logs, status) against a bare node:http server' },
  curves: { run: costCurvesBench, about: 'queries, rebuilds, size and RSS at 10k, 100k and 1M executions as one table; --check fails on a regression against bench/results/curves.json' },
};

async function main(): Promise<void> {
  const given = process.argv.slice(2);
  // `npm run bench -- --check` (or --write-results) is the cost curves' regression check.
  const [name, ...args] = given[0] === '--check' || given[0] === '--write-results' ? ['curves', ...given] : given;
  const bench = name ? benchmarks[name] : undefined;
  if (!bench) {
    console.error(`usage: npm run bench -- <name> [options]\n${Object.entries(benchmarks).map(([n, b]) => `  ${n.padEnd(12)} ${b.about}`).join('\n')}`);
    process.exit(name ? 1 : 0);
  }
  await bench.run(args);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
