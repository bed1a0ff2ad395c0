/** The scheduler process manager: one heap of every active schedule, deterministic tick executions, downtime accounting. */
export { DEFAULT_MISSED_BOUND, SCHEDULER_ACTOR, SCHEDULER_OFFLINE_REASON, Scheduler, storeExecutionWriter } from './scheduler';
export type { ExecutionWriter, SchedulerDeps, SchedulerOptions } from './scheduler';
export { schedulerLateness } from './scheduler-metrics';
export { SCHEDULER_TICK_NAMESPACE, catchUpExecutionId, tickExecutionId } from './tick-ids';
