/** The scheduler process manager: one heap of every active schedule, deterministic tick executions, downtime accounting. */
export { DEFAULT_MISSED_BOUND, Scheduler } from './scheduler';
export { SCHEDULER_ACTOR } from './tick-command';
export { SCHEDULER_OFFLINE_REASON } from './downtime';
export type { SchedulerDeps, SchedulerOptions } from './scheduler';
export { storeExecutionWriter } from './tick-writer';
export type { ExecutionWriter } from './tick-writer';
export { schedulerLateness } from './scheduler-metrics';
export { SCHEDULER_TICK_NAMESPACE, catchUpExecutionId, tickExecutionId } from './tick-ids';
