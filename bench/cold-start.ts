/**
 * `npm run bench -- cold-start [--events 10000000] [--starts 5] [--dir PATH] [--cpu-prof]`
 *
 * Start-up with a long history. A data dir is filled with `--events` events of real shapes (projects,
 * tasks, executions with their status events and log batches: read-side.ts's history), the real
 * projections are run to the head and the server runs once in-process until its process managers have
 * caught up too, so every checkpoint is at the head and every manager has saved its state (a data dir built
 * before snapshots gets them by one such run). The server is then started as `npm start` runs it (node dist/src/main.js with
 * DATA_DIR) `--starts` times, and the time from spawning the process to GET /api/v1/health answering
 * "ok" (200: the stores answer, no projection is behind or failing) is printed beside the same server on
 * an empty data dir and a bare `node -e` HTTP server started and polled the same way, all in this run;
 * also the time until every process manager is live (the log line "process managers live"). Target
 * (issue 19): healthy within 3 s at 10M events, with no replay beyond the checkpoints.
 *
 * Filling 10M events and catching the read models up takes a long while: `--dir PATH` keeps the data dir
 * and a later run with the same `--events` reuses it. `--cpu-prof` profiles the starts with history and
 * prints where their CPU time went.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/config';
import { allProjections } from '../src/projections/all-projections';
import { ProjectionRegistry } from '../src/projections/projection-registry';
import { ProjectionRunner } from '../src/projections/projection-runner';
import { createLogger } from '../src/logging/logger';
import { startServer } from '../src/server';
import { SqliteEventStore } from '../src/stores/events/sqlite-event-store';
import { SqliteReadStore } from '../src/stores/read/sqlite-read-store';
import { DEADLINES_MANAGER } from '../src/process-managers/deadlines/deadlines-manager';
import { DELETION_MANAGER } from '../src/process-managers/deletion/deletion-manager';
import { SCHEDULER_MANAGER } from '../src/process-managers/deletion/deletion-steps';
import { GROUP_DELETION_MANAGER } from '../src/process-managers/deletion/group-deletion-manager';
import { DISPATCHER_NAME } from '../src/process-managers/dispatcher/dispatcher';
import { processManagerCheckpoint } from '../src/process-managers/manager-loop';
import { MANAGER_SNAPSHOTS } from '../src/process-managers/manager-snapshots';
import { RETENTION_MANAGER } from '../src/process-managers/retention/retention-manager';
import { RETRIES_MANAGER } from '../src/process-managers/retries/retry-manager';
import { summarizeProfile } from './ingest-profile';
import { populate } from './generated-history';
import { type BenchRow, formatTable } from './report';

interface Settings {
  events: number;
  starts: number;
  dir: string;
  cpuProf: boolean;
}

const HOST = '127.0.0.1';
const MAIN = join(__dirname, '..', 'src', 'main.js');
const MARKER = 'cold-start.json';
/** read-side.ts's history holds about this many events per execution (status events, log batches). */
const EVENTS_PER_EXECUTION = 2.6;
const START_TIMEOUT_MS = 600_000;
/** Rebuilding the process managers' state takes as long as the history is: minutes at 10M events. */
const LIVE_TIMEOUT_MS = 3_600_000;
const PROCESS_MANAGERS_LIVE = 'process managers live';
/** Every process manager the server runs (checked against the running server when the data dir is built). */
const PROCESS_MANAGERS = [SCHEDULER_MANAGER, 'alerts', DEADLINES_MANAGER, GROUP_DELETION_MANAGER, RETENTION_MANAGER, DELETION_MANAGER, DISPATCHER_NAME, RETRIES_MANAGER];

interface Marker {
  requested: number;
  events: number;
}

interface StartTimes {
  /** Spawn to the first answer of /health (any status). */
  answering: number;
  /** Spawn to /health answering 200 with status "ok". */
  healthy: number;
  /** Spawn to the log line saying every process manager is live (null: the process logs none). */
  managersLive: number | null;
  /** From that line: how many managers began from their saved state, and how many events they replayed. */
  restored: number | null;
  replayed: number | null;
}

export async function coldStartBench(args: string[]): Promise<void> {
  const settings = parseArgs(args);
  const dir = settings.dir || mkdtempSync(join(tmpdir(), 'cold-start-bench-'));
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), 'cold-start-empty-'));
  try {
    const dataDir = join(dir, 'data');
    const marker = await prepared(dir, dataDir, settings.events);
    const bare: StartTimes[] = [];
    const empty: StartTimes[] = [];
    const history: StartTimes[] = [];
    const profiles: string[] = [];
    // Interleaved, so a busy moment of the machine falls on all three alike.
    for (let i = 0; i < settings.starts; i++) {
      bare.push(await timeStart('bare', join(scratch, `bare-${i}`), false));
      empty.push(await timeStart('server', join(scratch, `empty-${i}`), false));
      const profileDir = join(scratch, `profile-${i}`);
      history.push(await timeStart('server', dataDir, settings.cpuProf ? profileDir : false));
      if (settings.cpuProf) profiles.push(...readdirSync(profileDir).map((file) => join(profileDir, file)));
    }
    const rows: BenchRow[] = [
      ...figures('bare node -e HTTP server: spawn to answering (baseline)', bare.map((t) => t.healthy)),
      ...figures('empty data dir: spawn to healthy', empty.map((t) => t.healthy), 'bare node -e HTTP server: spawn to answering (baseline)'),
      ...figures(`${marker.events.toLocaleString('en-US')} events: spawn to healthy`, history.map((t) => t.healthy), 'empty data dir: spawn to healthy'),
      ...figures(`${marker.events.toLocaleString('en-US')} events: spawn to answering /health`, history.map((t) => t.answering), 'empty data dir: spawn to healthy'),
    ];
    const live = history.map((t) => t.managersLive);
    const emptyLive = empty.map((t) => t.managersLive);
    if (live.every((ms) => ms !== null) && emptyLive.every((ms) => ms !== null)) {
      rows.push(
        ...figures('empty data dir: spawn to process managers live', emptyLive as number[], 'bare node -e HTTP server: spawn to answering (baseline)'),
        ...figures(`${marker.events.toLocaleString('en-US')} events: spawn to process managers live`, live as number[], 'empty data dir: spawn to process managers live'),
      );
    }
    const replayed = history.map((t) => t.replayed);
    if (replayed.every((count) => count !== null)) {
      const inHistory = 'events in the history (baseline of the next)';
      rows.push(
        { figure: inHistory, value: marker.events, unit: 'events' },
        ...figures('events the process managers replayed at start', replayed as number[]).map((row) => ({ ...row, unit: 'events', baseline: inHistory })),
      );
    }
    const title = `Cold start, ${marker.events.toLocaleString('en-US')} events with caught-up read models, ${settings.starts} starts each, in ${dataDir}`;
    console.log(formatTable(title, rows));
    console.log('(median and max over the starts; healthy: GET /api/v1/health answers 200 with status "ok". Target: under 3 s at 10M events)');
    const restored = history.map((t) => t.restored ?? 0);
    console.log(`process managers that began from their saved state, per start: ${restored.join(', ')} of ${PROCESS_MANAGERS.length}`);
    for (const file of profiles) {
      const summary = summarizeProfile(file, 15);
      console.log(`\nProfile ${file} (${Math.round(summary.totalMs)} ms, ${Math.round(summary.idleMs)} ms idle):`);
      console.log(summary.lines.join('\n'));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    if (!settings.dir) rmSync(dir, { recursive: true, force: true });
  }
}

function figures(figure: string, samples: number[], baseline?: string): BenchRow[] {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const max = sorted[sorted.length - 1]!;
  return [
    { figure: `${figure}, median`, value: median, unit: 'ms', ...(baseline ? { baseline: `${baseline}, median` } : {}) },
    { figure: `${figure}, max`, value: max, unit: 'ms', ...(baseline ? { baseline: `${baseline}, max` } : {}) },
  ];
}

// ---- the data dir -------------------------------------------------------------------------------

/** The data dir with its history and caught-up read models: built once, reused when `--dir` names it again. */
async function prepared(dir: string, dataDir: string, requested: number): Promise<Marker> {
  const markerFile = join(dir, MARKER);
  if (existsSync(markerFile)) {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as Marker;
    if (marker.requested !== requested) throw new Error(`${dir} holds a history built for --events ${marker.requested}; name another --dir for ${requested}`);
    console.error(`reusing ${dataDir} (${marker.events.toLocaleString('en-US')} events)`);
    if (!(await managersSaved(dataDir))) {
      // Built by a version without snapshots: one run brings it where a server running all along would be.
      console.error('its process managers have not saved their state: running the server once to save it');
      await managersCaughtUp(dataDir);
    }
    return marker;
  }
  if (existsSync(dataDir)) throw new Error(`${dataDir} exists without ${MARKER} (an interrupted build?): remove it or name another --dir`);
  mkdirSync(dataDir, { recursive: true });
  const executions = Math.max(10, Math.ceil(requested / EVENTS_PER_EXECUTION));
  const events = SqliteEventStore.open({ file: join(dataDir, 'events.db'), synchronous: 'NORMAL' });
  const world = await populate(events, { executions, 'log-lines': executions * 10, tasks: 1000, projects: 10, days: 60 });
  await events.close();
  await catchUp(dataDir);
  const marker: Marker = { requested, events: world.events };
  writeFileSync(markerFile, JSON.stringify(marker));
  return marker;
}

/**
 * Builds the read models up to the head, then runs the server in this process until every projection and
 * process manager has reached it. The managers start from checkpoints at the head, as on a server that has run all along: they rebuild their
 * state from the history without acting on it again (timing out months-old executions, alerting on them).
 */
async function catchUp(dataDir: string): Promise<void> {
  const started = performance.now();
  const events = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
  const head = await events.headPosition();
  const reads = SqliteReadStore.open({ file: join(dataDir, 'read.db') });
  // The read models first, by the rebuild path (large batches, indexes built at the end): the live path
  // the server would take applies small batches with every index, many times slower over a whole history.
  const runner = new ProjectionRunner(allProjections(), events, reads, new ProjectionRegistry(reads), createLogger('silent'));
  for (const projection of allProjections()) await runner.rebuild(projection.name, { stayLive: false });
  await runner.stop();
  console.error(`built the read models in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const name of PROCESS_MANAGERS) await reads.applyBatch([], { name: processManagerCheckpoint(name), position: head! });
  await reads.close();
  await events.close();
  await managersCaughtUp(dataDir);
  console.error(`caught the read models and process managers up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Whether every process manager has saved its state (manager-snapshots.ts) in the data dir. */
async function managersSaved(dataDir: string): Promise<boolean> {
  const reads = SqliteReadStore.open({ file: join(dataDir, 'read.db') });
  try {
    if (!(await reads.listCollections()).includes(MANAGER_SNAPSHOTS)) return false;
    for (const name of PROCESS_MANAGERS) if ((await reads.get(MANAGER_SNAPSHOTS, name)) === null) return false;
    return true;
  } finally {
    await reads.close();
  }
}

/**
 * Runs the server in this process until every projection and process manager has reached the head; its
 * stop saves each manager's state with its checkpoint, as a server stopped after running all along does.
 */
async function managersCaughtUp(dataDir: string): Promise<void> {
  const events = SqliteEventStore.open({ file: join(dataDir, 'events.db') });
  const head = await events.headPosition();
  await events.close();
  const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' });
  const server = await startServer(config, { logger: createLogger('silent') });
  try {
    const unknown = server.processManagers.status().filter((manager) => !PROCESS_MANAGERS.includes(manager.name));
    if (unknown.length > 0) throw new Error(`cold-start.ts does not know the process managers ${unknown.map((m) => m.name).join(', ')}: add them to PROCESS_MANAGERS`);
    await server.processManagers.waitForPosition(head);
    await server.services.projections.whenCaughtUp(24 * 3600_000);
  } finally {
    await server.close();
  }
}

// ---- one start ----------------------------------------------------------------------------------

/** Spawns the server (or a bare node:http server) and times it until healthy and until its process managers are live. */
async function timeStart(kind: 'bare' | 'server', dataDir: string, profileDir: string | false): Promise<StartTimes> {
  const port = await freeLoopbackPort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST, DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  for (const name of ['EVENTSTORE_URL', 'MONGODB_URL', 'SMTP_URL', 'PUBLIC_URL', 'ADMIN_EMAIL', 'ADMIN_PASSWORD']) delete env[name];
  const bareServer = `require('node:http').createServer((q, s) => s.end('{"status":"ok"}')).listen(${port}, '${HOST}')`;
  const args = kind === 'bare' ? ['-e', bareServer] : [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), MAIN];
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let managersLive: number | null = null;
  let restoring: { restored?: number; replayed?: number } = {};
  const live = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (managersLive === null && line.includes(PROCESS_MANAGERS_LIVE)) {
        managersLive = performance.now() - spawned;
        restoring = JSON.parse(line) as typeof restoring;
        resolve();
      }
    });
    child.once('exit', () => resolve());
  });
  try {
    let answering: number | null = null;
    const deadline = spawned + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) while starting`);
      const health = await probe(port);
      if (health !== null) answering ??= performance.now() - spawned;
      if (health === 'ok') break;
      if (performance.now() > deadline) throw new Error(`not healthy within ${START_TIMEOUT_MS} ms (last: ${health})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const healthy = performance.now() - spawned;
    if (kind === 'server') await Promise.race([live, new Promise((resolve) => setTimeout(resolve, LIVE_TIMEOUT_MS).unref())]);
    if (kind === 'server' && managersLive === null) console.error(`the process managers were not live within ${LIVE_TIMEOUT_MS} ms`);
    // What the managers wrote on going live (ticks missed while down) is applied before the stop, so the
    // next start again finds its read models caught up, as a server that has been running would leave them.
    if (kind === 'server') while (!(await caughtUp(port))) await new Promise((resolve) => setTimeout(resolve, 20));
    return { answering: answering!, healthy, managersLive, restored: restoring.restored ?? null, replayed: restoring.replayed ?? null };
  } finally {
    await stop(child);
  }
}

/** The status /health reports, or null while nothing answers. */
async function probe(port: number): Promise<string | null> {
  try {
    const response = await fetch(`http://${HOST}:${port}/api/v1/health`);
    const body = (await response.json()) as { status?: string };
    return response.status === 200 ? (body.status ?? 'no status') : `HTTP ${response.status}`;
  } catch {
    return null;
  }
}

/** Whether /health reports every projection with nothing left to apply. */
async function caughtUp(port: number): Promise<boolean> {
  const response = await fetch(`http://${HOST}:${port}/api/v1/health`);
  const body = (await response.json()) as { projections: Record<string, { lag: number | null }> };
  return Object.values(body.projections).every((projection) => projection.lag === 0);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function parseArgs(args: string[]): Settings {
  const settings: Settings = { events: 10_000_000, starts: 5, dir: '', cpuProf: false };
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.replace(/^--/, '');
    if (name === 'cpu-prof') {
      settings.cpuProf = true;
      continue;
    }
    const text = args[++i];
    if (name === 'dir' && text) settings.dir = text;
    else if ((name === 'events' || name === 'starts') && Number.isSafeInteger(Number(text)) && Number(text) > 0) settings[name] = Number(text);
    else throw new Error(`Unknown or invalid option ${args[i - 1]} ${text ?? ''}; expected --events N --starts N --dir PATH --cpu-prof`);
  }
  return settings;
}
