import { ValidationError } from '../../errors/app-error';
import { quoted } from '../../errors/quoted';
import type { MaintenanceWindow, WindowScope, WindowTiming } from '../../events/schedule-rule-events';
import { instantOf, validateScheduleConfig } from '../../schedules/schedule-config';
import { ruleName } from './calendar-body';

/**
 * A maintenance window: one-off (`start`, `end`) or recurring (`cron_expression` in `timezone`, each
 * start open for `duration_minutes`). `pause`: no ticks fire inside it (nor are they owed after a
 * restart) and alerts are silenced; `silence`: ticks fire, alerts are not sent.
 */
export interface MaintenanceWindowBody {
  name: string;
  /** What it covers: the whole project, one group (`group_id`) or one task (`task_id`). */
  scope: 'project' | 'group' | 'task';
  group_id?: string | null;
  task_id?: string | null;
  effect: 'pause' | 'silence';
  /** One-off: ISO 8601 instant with Z or an offset. */
  start?: string | null;
  /** One-off: after `start`. */
  end?: string | null;
  /** Recurring: when each window opens (5 or 6 cron fields). */
  cron_expression?: string | null;
  /** Recurring: the cron's zone (default UTC). */
  timezone?: string | null;
  /**
   * Recurring: how long each window stays open.
   * @isInt
   */
  duration_minutes?: number | null;
}

export interface MaintenanceWindowResponse {
  window_id: string;
  name: string;
  scope: 'project' | 'group' | 'task';
  group_id: string | null;
  task_id: string | null;
  effect: 'pause' | 'silence';
  start: string | null;
  end: string | null;
  cron_expression: string | null;
  timezone: string | null;
  duration_minutes: number | null;
  /** Set by POST /tasks/{id}/snooze or /task-groups/{id}/snooze. */
  snooze: boolean;
}

/** A recurring window stays open at most a week at a time. */
export const MAX_WINDOW_MINUTES = 7 * 24 * 60;
const ID = /^[A-Za-z0-9-]{1,64}$/;
const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/;

/** The epoch ms of an ISO 8601 instant with Z or an offset, or a detail naming the field. */
export function instantField(field: string, value: unknown, details: string[]): number {
  if (typeof value === 'string' && OFFSET.test(value)) {
    try {
      const ms = instantOf(value);
      if (!Number.isNaN(ms)) return ms;
    } catch {
      // reported below
    }
  }
  details.push(`${field}: ${quoted(value)} is not an ISO 8601 instant with Z or an offset`);
  return Number.NaN;
}

function scopeFromBody(body: MaintenanceWindowBody, details: string[]): WindowScope {
  const idOf = (field: 'group_id' | 'task_id'): string => {
    const id = body[field];
    if (typeof id !== 'string' || !ID.test(id)) details.push(`${field}: required for scope ${body.scope}`);
    return id as string;
  };
  const stray = (field: 'group_id' | 'task_id'): void => {
    if (body[field] != null) details.push(`${field}: only a ${field === 'group_id' ? 'group' : 'task'} window has one`);
  };
  switch (body.scope) {
    case 'project':
      stray('group_id');
      stray('task_id');
      return { kind: 'project' };
    case 'group':
      stray('task_id');
      return { kind: 'group', groupId: idOf('group_id') };
    case 'task':
      stray('group_id');
      return { kind: 'task', taskId: idOf('task_id') };
    default:
      details.push('scope: must be one of project, group, task');
      return { kind: 'project' };
  }
}

function timingFromBody(body: MaintenanceWindowBody, details: string[]): WindowTiming {
  const once = body.start != null || body.end != null;
  const recurring = body.cron_expression != null || body.duration_minutes != null || body.timezone != null;
  if (once === recurring) {
    details.push('start: give either start and end (one-off) or cron_expression and duration_minutes (recurring)');
    return { kind: 'once', start: '', end: '' };
  }
  if (once) {
    const start = instantField('start', body.start, details);
    const end = instantField('end', body.end, details);
    if (start >= end) details.push('end: must be after start');
    return { kind: 'once', start: new Date(start || 0).toISOString(), end: new Date(end || 0).toISOString() };
  }
  const timezone = body.timezone ?? 'UTC';
  const cron = validateScheduleConfig('RECURRING', { cron_expression: body.cron_expression ?? undefined, timezone });
  if (!cron.ok) details.push(...cron.details.map((detail) => detail.replace(/^schedule_config\./, '')));
  else if (body.cron_expression == null) details.push('cron_expression: required for a recurring window');
  const duration = body.duration_minutes;
  if (!Number.isInteger(duration) || (duration as number) < 1 || (duration as number) > MAX_WINDOW_MINUTES) {
    details.push(`duration_minutes: a whole number from 1 to ${MAX_WINDOW_MINUTES}`);
  }
  return { kind: 'recurring', cronExpression: body.cron_expression ?? '', timezone, durationMinutes: duration as number };
}

export function maintenanceWindowFromBody(body: MaintenanceWindowBody): MaintenanceWindow {
  const details: string[] = [];
  const name = ruleName(body?.name, details);
  const scope = scopeFromBody(body ?? ({} as MaintenanceWindowBody), details);
  if (body?.effect !== 'pause' && body?.effect !== 'silence') details.push('effect: must be pause or silence');
  const timing = timingFromBody(body ?? ({} as MaintenanceWindowBody), details);
  if (details.length > 0) throw new ValidationError('Invalid maintenance window', details);
  return { name, scope, effect: body.effect, timing };
}

export function maintenanceWindowShape(windowId: string, window: MaintenanceWindow): MaintenanceWindowResponse {
  const { scope, timing } = window;
  return {
    window_id: windowId,
    name: window.name,
    scope: scope.kind,
    group_id: scope.kind === 'group' ? scope.groupId : null,
    task_id: scope.kind === 'task' ? scope.taskId : null,
    effect: window.effect,
    start: timing.kind === 'once' ? timing.start : null,
    end: timing.kind === 'once' ? timing.end : null,
    cron_expression: timing.kind === 'recurring' ? timing.cronExpression : null,
    timezone: timing.kind === 'recurring' ? timing.timezone : null,
    duration_minutes: timing.kind === 'recurring' ? timing.durationMinutes : null,
    snooze: window.snooze === true,
  };
}
