/**
 * Summarises one window of a scheduler bench CPU profile: the samples between two instants of the
 * monotonic clock (µs, as phase T prints its window), by function and by area (ingest-profile.ts).
 *
 *   node --cpu-prof --cpu-prof-dir=prof dist/bench/run.js scheduler …
 *   node dist/bench/scheduler-profile.js prof/CPU….cpuprofile FROM_US TO_US
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from './ingest-profile';

interface Profile {
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function windowOfProfile(file: string, fromUs: number, toUs: number): Profile {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((sample, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) return;
    samples.push(sample);
    timeDeltas.push(profile.timeDeltas[i] ?? 0);
  });
  return { ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas };
}

if (require.main === module) {
  const [file, from, to] = process.argv.slice(2);
  const dir = mkdtempSync(join(tmpdir(), 'scheduler-profile-'));
  try {
    const window = join(dir, 'window.cpuprofile');
    writeFileSync(window, JSON.stringify(windowOfProfile(file, Number(from), Number(to))));
    console.log(summarizeProfile(window, 30).lines.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
