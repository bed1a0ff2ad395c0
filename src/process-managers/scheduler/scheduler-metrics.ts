import { Histogram, register } from 'prom-client';

const LATENESS_NAME = 'cron_observer_scheduler_lateness_seconds';

/**
 * How late each tick fired: the instant the scheduler issued the execution's creation minus the
 * scheduled instant. Registered in prom-client's default registry, which a `/metrics` endpoint serves
 * (`register.metrics()`). One histogram per process, shared by every scheduler instance in it.
 */
export const schedulerLateness: Histogram =
  (register.getSingleMetric(LATENESS_NAME) as Histogram | undefined) ??
  new Histogram({
    name: LATENESS_NAME,
    help: 'Scheduler fire lateness: fire time minus the scheduled instant of the tick',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
