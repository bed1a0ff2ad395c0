import { MAX_WINDOWS, scheduleRulesDecider } from '../../src/commands/schedule-rules/schedule-rules-decider';
import { GoneError, NotFoundError, ValidationError } from '../../src/errors/app-error';
import type { MaintenanceWindow, ScheduleRuleEvent } from '../../src/events/schedule-rule-events';
import { calendarFromBody, type CalendarBody, importFromBody } from '../../src/http/shapes/calendar-body';
import { maintenanceWindowFromBody, type MaintenanceWindowBody } from '../../src/http/shapes/maintenance-window-body';
import { given } from '../support/given-when-then';

const projectId = 'p1';
const at = '2026-03-01T10:00:00.000Z';
const created = { type: 'ProjectCreated', data: { projectId, name: 'Billing', description: null, executionEndpoint: null, timezone: 'UTC', createdBy: 'u1', createdAt: at } };
const deleted = { type: 'ProjectDeleted', data: { projectId, deletedAt: at } };
const history = (...events: unknown[]) => [created, ...events] as unknown as ScheduleRuleEvent[];
const holidays = { name: 'Holidays', dates: ['2026-01-01', '2026-12-25'] };
const holidaysSet: ScheduleRuleEvent = { type: 'CalendarSet', data: { projectId, calendarId: 'holidays', calendar: holidays, at } };
const deploy: MaintenanceWindow = { name: 'Deploy', scope: { kind: 'project' }, effect: 'pause', timing: { kind: 'once', start: '2026-03-02T00:00:00.000Z', end: '2026-03-02T01:00:00.000Z' } };

describe('schedule rules decider (calendars and maintenance windows on the project stream)', () => {
  test('a calendar is set, set again unchanged (nothing), and removed', () => {
    given(scheduleRulesDecider, history()).when({ type: 'SetCalendar', calendarId: 'holidays', calendar: holidays, at }).then([holidaysSet]);
    given(scheduleRulesDecider, history(holidaysSet)).when({ type: 'SetCalendar', calendarId: 'holidays', calendar: holidays, at }).thenNothing();
    given(scheduleRulesDecider, history(holidaysSet))
      .when({ type: 'RemoveCalendar', calendarId: 'holidays', at })
      .then([{ type: 'CalendarRemoved', data: { projectId, calendarId: 'holidays', at } }]);
  });

  test('removing what is not there is 404; a deleted project is 410; an unknown one 404', () => {
    given(scheduleRulesDecider, history()).when({ type: 'RemoveCalendar', calendarId: 'holidays', at }).thenThrows(NotFoundError, /Calendar holidays/);
    given(scheduleRulesDecider, history()).when({ type: 'RemoveMaintenanceWindow', windowId: 'deploy', at }).thenThrows(NotFoundError, /deploy/);
    given(scheduleRulesDecider, history(deleted)).when({ type: 'SetCalendar', calendarId: 'holidays', calendar: holidays, at }).thenThrows(GoneError);
    given(scheduleRulesDecider, []).when({ type: 'SetCalendar', calendarId: 'holidays', calendar: holidays, at }).thenThrows(NotFoundError);
  });

  test('windows are bounded per project, snoozes aside', () => {
    const full = Array.from({ length: MAX_WINDOWS }, (_, i): ScheduleRuleEvent => ({ type: 'MaintenanceWindowSet', data: { projectId, windowId: `w${i}`, window: deploy, at } }));
    given(scheduleRulesDecider, history(...full)).when({ type: 'SetMaintenanceWindow', windowId: 'one-more', window: deploy, at }).thenThrows(ValidationError, /Too many/);
    const snooze: MaintenanceWindow = { ...deploy, scope: { kind: 'task', taskId: 't1' }, snooze: true };
    given(scheduleRulesDecider, history(...full))
      .when({ type: 'SetMaintenanceWindow', windowId: 'snooze-task-t1', window: snooze, at })
      .then([{ type: 'MaintenanceWindowSet', data: { projectId, windowId: 'snooze-task-t1', window: snooze, at } }]);
  });
});

describe('calendar and window bodies', () => {
  const details = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (err) {
      return (err as ValidationError).details ?? [];
    }
    throw new Error('accepted');
  };

  test('dates are sorted and made distinct; a bad date is named by its index', () => {
    expect(calendarFromBody({ name: ' Holidays ', dates: ['2026-12-25', '2026-01-01', '2026-12-25'] })).toEqual({ name: 'Holidays', dates: ['2026-01-01', '2026-12-25'] });
    expect(details(() => calendarFromBody({ name: 'x', dates: ['2026-02-30', 'tomorrow'] }))).toEqual([
      'dates[0]: "2026-02-30" is not a YYYY-MM-DD date',
      'dates[1]: "tomorrow" is not a YYYY-MM-DD date',
    ]);
    expect(details(() => calendarFromBody({ name: '', dates: 'x' } as unknown as CalendarBody))).toEqual(['name: required, at most 100 characters', 'dates: required, a list of YYYY-MM-DD dates']);
    expect(details(() => importFromBody({ ics: '', timezone: 'Mars/Olympus' }))).toEqual(['ics: required, the text of an .ics file', 'timezone: "Mars/Olympus" is not an IANA time zone']);
  });

  test('a window is one-off or recurring, never both, and its fields are checked', () => {
    const base = { name: 'Deploy', scope: 'project', effect: 'pause' } as MaintenanceWindowBody;
    expect(maintenanceWindowFromBody({ ...base, start: '2026-03-02T00:00:00Z', end: '2026-03-02T01:00:00+00:00' })).toEqual(deploy);
    expect(maintenanceWindowFromBody({ ...base, scope: 'group', group_id: 'g1', effect: 'silence', cron_expression: '0 2 * * 0', timezone: 'Europe/Paris', duration_minutes: 90 })).toEqual({
      name: 'Deploy',
      scope: { kind: 'group', groupId: 'g1' },
      effect: 'silence',
      timing: { kind: 'recurring', cronExpression: '0 2 * * 0', timezone: 'Europe/Paris', durationMinutes: 90 },
    });
    expect(details(() => maintenanceWindowFromBody({ ...base, start: '2026-03-02T00:00:00Z', end: '2026-03-02T01:00:00Z', cron_expression: '0 2 * * *' }))[0]).toMatch(/^start: give either/);
    expect(details(() => maintenanceWindowFromBody({ ...base, start: '2026-03-02T01:00:00Z', end: '2026-03-02T00:00:00Z' }))).toEqual(['end: must be after start']);
    expect(details(() => maintenanceWindowFromBody({ ...base, start: '2026-03-02T01:00:00', end: '2026-03-02T02:00:00Z' }))).toEqual([
      'start: "2026-03-02T01:00:00" is not an ISO 8601 instant with Z or an offset',
    ]);
    expect(details(() => maintenanceWindowFromBody({ ...base, cron_expression: '61 * * * *', duration_minutes: 0 })).join('\n')).toMatch(/cron_expression: [\s\S]*duration_minutes: a whole number from 1 to 10080/);
    expect(details(() => maintenanceWindowFromBody({ ...base, scope: 'task', effect: 'off' as 'pause', start: '2026-03-02T00:00:00Z', end: '2026-03-02T01:00:00Z' }))).toEqual([
      'task_id: required for scope task',
      'effect: must be pause or silence',
    ]);
  });
});
