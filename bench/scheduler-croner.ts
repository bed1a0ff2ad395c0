/**
 * The scheduler bench's baseline (bench/scheduler.ts, phase C): one croner `Cron` job per task for a
 * subset of the tasks, with the same patterns and zones, its fire lateness and memory per job.
 */
import { Cron } from 'croner';
import { Samples, memory, sleep, taskConfig } from './scheduler-workload';

/** The baseline: one croner job per task, each with its own timer and its own parsed pattern. */
export async function runCroner(settings: { baseline: number; warmup: number; seconds: number }): Promise<{ fire: { p50: number; p99: number; max: number }; fired: number; memory: { rss: number; heap: number } }> {
  const fire = new Samples();
  let fired = 0;
  const before = memory();
  const jobs: Cron[] = [];
  for (let i = 0; i < settings.baseline; i++) {
    const { cron_expression, timezone } = taskConfig(i);
    const second = i % 60;
    jobs.push(
      new Cron(cron_expression, { timezone }, () => {
        const now = Date.now();
        // The tick instant: the latest whole second `second` of a minute at or before now.
        const scheduled = now - ((((now - second * 1000) % 60_000) + 60_000) % 60_000);
        fire.add(now - scheduled);
        if (fire.on) fired++;
      }),
    );
  }
  const after = memory();
  await sleep(settings.warmup * 1000);
  fire.on = true;
  await sleep(settings.seconds * 1000);
  fire.on = false;
  for (const job of jobs) job.stop();
  return { fire: fire.percentiles(), fired, memory: { rss: after.rss - before.rss, heap: after.heap - before.heap } };
}
