/**
 * `schedule_config` as the API describes it (DESIGN.md, "Tasks: schedule fields"): the original fields
 * plus the added ones. Every field may be null, read as absent, because clients of the original API
 * send nulls. The meaning and every rule are in src/schedules/schedule-config.ts, which validates it.
 */
export interface ScheduleConfigBody {
  /**
   * 5 fields (minute first) or 6 (second first).
   * @maxLength 255
   */
  cron_expression?: string | null;
  /**
   * IANA time zone, e.g. "Europe/London".
   * @maxLength 64
   */
  timezone: string;
  time_range?: TimeRangeBody | null;
  /** Allowed weekdays, 0 = Sunday; empty means every day. */
  days_of_week?: number[] | null;
  /** Excluded weekdays, 0 = Sunday. */
  exclusions?: number[] | null;
  /** Excluded dates `YYYY-MM-DD` in the schedule's zone. */
  excluded_dates?: string[] | null;
  interval?: IntervalBody | null;
  /**
   * ONEOFF only: an ISO 8601 instant with Z or an offset.
   * @maxLength 64
   */
  run_at?: string | null;
  dst?: DstBody | null;
  catch_up?: 'none' | 'latest' | null;
}

export interface TimeRangeBody {
  /** "HH:MM" */
  start: string;
  /** "HH:MM" */
  end: string;
  frequency?: FrequencyBody | null;
}

export interface FrequencyBody {
  value: number;
  unit: 's' | 'm' | 'h';
}

export interface IntervalBody {
  value: number;
  unit: 's' | 'm' | 'h' | 'd';
}

export interface DstBody {
  gap?: 'shift' | 'skip' | null;
  repeat?: 'once' | 'twice' | null;
}
