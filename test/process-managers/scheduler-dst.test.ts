import { compileSchedule } from '../../src/schedules/compile-schedule';
import { SchedulerHarness } from './scheduler-support';

/**
 * The scheduler over the 2026 DST transitions: its ticks are exactly the schedule engine's occurrences
 * (the engine has its own DST tests), with the default policy spelled out for the instants that matter:
 * a fixed time in the spring gap runs once at the end of the gap, a fixed time in the fall overlap runs
 * once (at the earlier offset), and a wildcard hour follows elapsed time (no tick in the gap, both
 * repeated hours).
 */
interface Transition {
  /** The run starts here (the tasks are created then) and lasts `hours`. */
  start: string;
  hours: number;
  /** cron → instants (UTC) that must be among its ticks; `absent` must not be. */
  present: Record<string, string[]>;
  absent?: Record<string, string[]>;
  /** Ticks of the hourly task on the transition's local day. */
  hourlyOnLocalDay?: { day: string; count: number };
}

const HOURLY = '0 * * * *';

const ZONES: Record<string, { gapCron: string; overlapCron: string; spring: Transition; fall: Transition }> = {
  'America/New_York': {
    gapCron: '30 2 * * *',
    overlapCron: '30 1 * * *',
    spring: {
      start: '2026-03-07T12:00:00.000Z',
      hours: 48,
      present: {
        '30 2 * * *': ['2026-03-08T07:00:00.000Z'], // 02:30 does not exist: 03:00 EDT
        [HOURLY]: ['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z'], // 01:00 EST, then 03:00 EDT
      },
      hourlyOnLocalDay: { day: '2026-03-08', count: 23 },
    },
    fall: {
      start: '2026-10-31T12:00:00.000Z',
      hours: 48,
      present: {
        '30 1 * * *': ['2026-11-01T05:30:00.000Z'], // 01:30 EDT, once
        [HOURLY]: ['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z'], // 01:00 EDT and 01:00 EST
      },
      absent: { '30 1 * * *': ['2026-11-01T06:30:00.000Z'] },
      hourlyOnLocalDay: { day: '2026-11-01', count: 25 },
    },
  },
  'Europe/London': {
    gapCron: '30 1 * * *',
    overlapCron: '30 1 * * *',
    spring: {
      start: '2026-03-28T12:00:00.000Z',
      hours: 48,
      present: {
        '30 1 * * *': ['2026-03-29T01:00:00.000Z'], // 01:30 does not exist: 02:00 BST
        [HOURLY]: ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z'], // 00:00 GMT, then 02:00 BST
      },
      hourlyOnLocalDay: { day: '2026-03-29', count: 23 },
    },
    fall: {
      start: '2026-10-24T12:00:00.000Z',
      hours: 48,
      present: {
        '30 1 * * *': ['2026-10-25T00:30:00.000Z'], // 01:30 BST, once
        [HOURLY]: ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z'], // 01:00 BST and 01:00 GMT
      },
      absent: { '30 1 * * *': ['2026-10-25T01:30:00.000Z'] },
      hourlyOnLocalDay: { day: '2026-10-25', count: 25 },
    },
  },
  'Australia/Sydney': {
    gapCron: '30 2 * * *',
    overlapCron: '30 2 * * *',
    // Southern hemisphere: clocks go back in April and forward in October.
    fall: {
      start: '2026-04-03T12:00:00.000Z',
      hours: 60,
      present: {
        '30 2 * * *': ['2026-04-04T15:30:00.000Z'], // 02:30 AEDT, once
        [HOURLY]: ['2026-04-04T15:00:00.000Z', '2026-04-04T16:00:00.000Z'], // 02:00 AEDT and 02:00 AEST
      },
      absent: { '30 2 * * *': ['2026-04-04T16:30:00.000Z'] },
      hourlyOnLocalDay: { day: '2026-04-05', count: 25 },
    },
    spring: {
      start: '2026-10-02T12:00:00.000Z',
      hours: 60,
      present: {
        '30 2 * * *': ['2026-10-03T16:00:00.000Z'], // 02:30 does not exist: 03:00 AEDT
        [HOURLY]: ['2026-10-03T15:00:00.000Z', '2026-10-03T16:00:00.000Z'], // 01:00 AEST, then 03:00 AEDT
      },
      hourlyOnLocalDay: { day: '2026-10-04', count: 23 },
    },
  },
};

/** The schedule engine's own answer: every occurrence in [from, to]. */
function engineTicks(cron: string, zone: string, from: string, to: string): string[] {
  const schedule = compileSchedule('RECURRING', { cron_expression: cron, timezone: zone });
  const out: string[] = [];
  for (let t = schedule.nextMs(Date.parse(from) - 1); !Number.isNaN(t) && t <= Date.parse(to); t = schedule.nextMs(t)) {
    out.push(new Date(t).toISOString());
  }
  return out;
}

function localDay(instant: string, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

async function runTransition(zone: string, crons: string[], transition: Transition): Promise<void> {
  const h = new SchedulerHarness(transition.start);
  try {
    await h.startScheduler();
    const tasks = new Map<string, string>();
    for (const cron of crons) tasks.set(cron, await h.createTask({ scheduleConfig: { cron_expression: cron, timezone: zone } }));
    const end = new Date(Date.parse(transition.start) + transition.hours * 3_600_000).toISOString();
    await h.advanceTo(end);
    for (const [cron, taskId] of tasks) {
      const ticks = await h.ticks(taskId);
      expect({ cron, ticks }).toEqual({ cron, ticks: engineTicks(cron, zone, transition.start, end) });
      for (const instant of transition.present[cron] ?? []) expect(ticks).toContain(instant);
      for (const instant of transition.absent?.[cron] ?? []) expect(ticks).not.toContain(instant);
      if (cron === HOURLY && transition.hourlyOnLocalDay) {
        const { day, count } = transition.hourlyOnLocalDay;
        expect(ticks.filter((t) => localDay(t, zone) === day)).toHaveLength(count);
      }
    }
  } finally {
    await h.close();
  }
}

describe('scheduler across the 2026 DST transitions', () => {
  for (const [zone, { gapCron, overlapCron, spring, fall }] of Object.entries(ZONES)) {
    it(`${zone}: fixed-time and wildcard-hour crons tick as the schedule engine says`, async () => {
      const crons = [...new Set([gapCron, overlapCron, HOURLY])];
      await runTransition(zone, crons, spring);
      await runTransition(zone, crons, fall);
    });
  }
});

describe("scheduler with a task's own DST policy", () => {
  it('America/New_York: gap skip and repeat twice are honoured as configured', async () => {
    const h = new SchedulerHarness('2026-03-07T12:00:00.000Z');
    try {
      await h.startScheduler();
      const skipGap = await h.createTask({ scheduleConfig: { cron_expression: '30 2 * * *', timezone: 'America/New_York', dst: { gap: 'skip' } } });
      await h.advanceTo('2026-03-09T12:00:00.000Z');
      // 02:30 does not exist on 2026-03-08: with `skip` that day has no run.
      expect(await h.ticks(skipGap)).toEqual(['2026-03-09T06:30:00.000Z']);

      h.clock.set('2026-10-31T12:00:00.000Z');
      const twice = await h.createTask({ scheduleConfig: { cron_expression: '30 1 * * *', timezone: 'America/New_York', dst: { repeat: 'twice' } } });
      await h.advanceTo('2026-11-02T12:00:00.000Z');
      // 01:30 happens twice on 2026-11-01: EDT (05:30Z) and EST (06:30Z).
      expect(await h.ticks(twice)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    } finally {
      await h.close();
    }
  });
});
