/** The schedule engine: pure functions of a config and instants; no I/O, no clock. */
export type { ScheduleConfig, ScheduleConfigValidation, ScheduleType, TimeRange } from './schedule-config';
export { validateScheduleConfig } from './schedule-config';
export type { DstPolicy, GapPolicy, RepeatPolicy } from './dst-policy';
export { resolveDstPolicy } from './dst-policy';
export type { CompiledSchedule, DstAdjustment, OccurrenceDetail } from './compiled-schedule';
export { compileSchedule, scheduleCacheStats } from './compile-schedule';
export type { Occurrence, OccurrenceRange } from './next-occurrences';
export { nextOccurrences, occurrencesBetween } from './next-occurrences';
