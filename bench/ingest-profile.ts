/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) of the server: where its time went, by function
 * (self and inclusive) and by area (a folder of src/, a package, node internals, GC), with compiled
 * positions mapped back to the TypeScript sources through the .js.map files tsc writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  lines: string[];
  /** The worker thread's entry file (`projection-thread`, …) if the profile is a worker's; null for the main thread. */
  workerEntry: string | null;
}

/** The server's worker threads start from files named so (see src/threads/start-worker.ts). */
const WORKER_ENTRY = /\/([a-z-]+-thread)\.[jt]s$/;

const REPO = resolve(__dirname, '..', '..');

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const nodes = new Map<number, ProfileNode>();
  let workerEntry: string | null = null;
  for (const node of profile.nodes) {
    workerEntry ??= WORKER_ENTRY.exec(node.callFrame.url)?.[1] ?? null;
    nodes.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const locate = memoize((node: ProfileNode) => location(node));

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = nodes.get(id)!;
    totalMs += ms;
    const here = locate(node);
    if (here.area === '(idle)') {
      idleMs += ms;
      return;
    }
    add(self, here.key, ms);
    add(areas, here.area, ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = locate(nodes.get(at)!).key;
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, ms);
    }
  });
  const busyMs = totalMs - idleMs;
  const pct = (ms: number) => `${((100 * ms) / busyMs).toFixed(1).padStart(5)}%`;
  const ranked = (map: Map<string, number>, filter: (key: string) => boolean = () => true) =>
    [...map].filter(([key]) => filter(key)).sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [
    `CPU profile ${file}: ${Math.round(totalMs)} ms sampled, ${Math.round(busyMs)} ms busy (${((100 * busyMs) / totalMs).toFixed(0)}%); shares below are of busy time,`,
    // Sampled time is not CPU time: see the CPU per report by thread in the table for that.
    '  which counts the moments the thread waited for a CPU too (a write that wakes another thread, such as writev or postMessage, looks dearer than it is)',
    'self time by area:',
    ...ranked(areas).map(([area, ms]) => `  ${pct(ms)}  ${area}`),
    'self time by function:',
    ...ranked(self).map(([key, ms]) => `  ${pct(ms)}  ${key}`),
    'inclusive time, functions of src/:',
    ...ranked(inclusive, (key) => key.includes(' src/')).map(([key, ms]) => `  ${pct(ms)}  ${key}`),
  ];
  return { totalMs, idleMs, lines, workerEntry };
}

function location(node: ProfileNode): { key: string; area: string } {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return { key: name, area: name.startsWith('(') ? name : '(native)' };
  if (url.startsWith('node:')) return { key: `${name} ${url}:${lineNumber + 1}`, area: 'node internals' };
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const mapped = original(path, lineNumber, columnNumber);
  const shown = relative(REPO, mapped.path);
  return { key: `${name} ${shown}:${mapped.line}`, area: areaOf(shown) };
}

function areaOf(path: string): string {
  const modules = path.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 'node_modules/'.length).split('/');
    return `package ${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : parts[0];
}

const maps = new Map<string, SourceMap | null>();

/** The TypeScript position of a compiled one (1-based line), or the compiled one when there is no map. */
function original(path: string, line: number, column: number): { path: string; line: number } {
  let map = maps.get(path);
  if (map === undefined) {
    const file = `${path}.map`;
    map = existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null;
    maps.set(path, map);
  }
  const entry = map?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  if (!entry?.originalSource || entry.originalLine === undefined) return { path, line: line + 1 };
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(path), entry.originalSource);
  return { path: source, line: entry.originalLine + 1 };
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function memoize<T extends object, R>(fn: (arg: T) => R): (arg: T) => R {
  const cache = new WeakMap<T, R>();
  return (arg) => {
    let value = cache.get(arg);
    if (value === undefined) {
      value = fn(arg);
      cache.set(arg, value);
    }
    return value;
  };
}
