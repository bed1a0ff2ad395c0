/** ONEOFF: a single run at `run_at`, then nothing. */
import { CompiledSchedule, OccurrenceDetail, nextAsDate } from './compiled-schedule';
import { ZoneRules } from './time-zone';

export class OneOffSchedule implements CompiledSchedule {
  constructor(
    private readonly runAtMs: number,
    readonly zone: ZoneRules,
  ) {}

  nextMs(afterMs: number, detail?: OccurrenceDetail): number {
    if (detail) detail.dst = undefined;
    return this.runAtMs > afterMs ? this.runAtMs : Number.NaN;
  }

  next(after: Date): Date | null {
    return nextAsDate(this, after);
  }

  countBetween(fromMs: number, toMs: number): number {
    return this.runAtMs > fromMs && this.runAtMs <= toMs ? 1 : 0;
  }
}
