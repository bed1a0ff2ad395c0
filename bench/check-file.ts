/**
 * The committed results a `--check` run compares with (bench/results/*.json): the checked figures and the
 * machine and commit they were taken on, so a reader knows what a figure stood for.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { CheckedFigure } from './check-results';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  node: string;
  date: string;
  commit: string;
  /** Anything a reader must know, e.g. that the machine was busy. */
  note: string;
}

export interface ResultsFile {
  bench: string;
  /** What the figures mean (the statistic, the keys): results of another format are not compared. */
  format: number;
  /** The statistic in words, for a reader. */
  statistic: string;
  machine: Machine;
  /** The settings of the run (scales, queries), as the bench reports them. */
  settings: Record<string, unknown>;
  /** The whole table, for reading; only `figures` is checked. */
  table: string;
  figures: CheckedFigure[];
}

export function thisMachine(note: string): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpuCount: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    date: new Date().toISOString(),
    commit: currentCommit(),
    note,
  };
}

export function describeMachine(machine: Machine): string {
  return `${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.date}, commit ${machine.commit}${machine.note ? ` (${machine.note})` : ''}`;
}

/** The committed results, refused when they were taken with another statistic (`format`) than `format`. */
export function readResults(file: string, format: number): ResultsFile {
  if (!existsSync(file)) throw new Error(`No committed results at ${file}; take them with --write-results`);
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsFile>;
  const taken = parsed.format ?? 1;
  if (taken !== format) {
    throw new Error(`${file} holds results of format ${taken}, this bench measures format ${format} (another statistic): not comparable; take new results with --write-results on a quiet machine`);
  }
  if (!Array.isArray(parsed.figures)) throw new Error(`${file} holds no figures`);
  return parsed as ResultsFile;
}

export function writeResults(file: string, results: ResultsFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

function currentCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}
