/**
 * The schedule engine's next-run search against an independent oracle built on luxon
 * (oracle/next-run-oracle.ts): 10,000 seeded cases, among them schedules aimed at every DST
 * transition from 2020 through 2030 of 31 zones under every DST setting, then random cron
 * expressions, time ranges, intervals, day filters and calendars. Each case compares the next runs
 * (instant, local time with offset, DST flag) from nextOccurrences, and the count and last run
 * occurrencesBetween gives for the same span.
 *
 * Replay a failure with ORACLE_SEED=<seed printed below>; the failing cases print in full.
 */
import type { CalendarUse } from '../../src/events/schedule-rule-events';
import { nextOccurrences, Occurrence, occurrencesBetween } from '../../src/schedules';
import { calendarAllowsTick } from '../../src/schedules/tick-rules';
import { seededRandom } from '../support/seeded-random';
import { CalendarPredicate, ExpectedRun, expectedRuns } from './oracle/next-run-oracle';
import { LuxonZone } from './oracle/luxon-zone';
import { ORACLE_ZONES, OracleCase, TABLE_FROM, TABLE_TO, oracleCases } from './oracle/oracle-cases';

const TOTAL_CASES = 10_000;
const SEED = process.env.ORACLE_SEED ? Number(process.env.ORACLE_SEED) : 20_260_308;

/**
 * The engine's runs of a case with a calendar, held back the product's way: the calendar becomes a
 * project calendar (as `only` the dates it allows, or, for every other case,
 * as `skip` those it refuses) and each run is judged by `calendarAllowsTick`, the function the
 * scheduler's calendar gate and the task preview use, on the run's instant and the task's zone.
 */
function engineRuns(kase: OracleCase, calendar: CalendarPredicate | undefined, untilMs: number, index: number): Occurrence[] {
  const anchor = new Date(kase.anchor * 1000);
  if (!calendar) return nextOccurrences(kase.type, kase.config, new Date(kase.after * 1000), kase.count, anchor);
  const mode = index % 2 === 0 ? 'only' : 'skip';
  const dates = new PredicateCalendar(calendar, mode);
  const use: CalendarUse = { calendarId: 'oracle', mode };
  const runs: Occurrence[] = [];
  let cursor = new Date(kase.after * 1000);
  while (runs.length < kase.count && cursor.getTime() <= untilMs) {
    const batch = nextOccurrences(kase.type, kase.config, cursor, 500, anchor);
    if (batch.length === 0) break;
    for (const run of batch) if (calendarAllowsTick(use, dates, run.at.getTime(), kase.zone)) runs.push(run);
    cursor = batch[batch.length - 1].at;
  }
  return runs.slice(0, kase.count);
}

/**
 * A project calendar holding every date the predicate picks (as `only`) or refuses (as `skip`), over all
 * time: a case's span may be open-ended, so membership is answered by the predicate rather than listed.
 */
class PredicateCalendar extends Set<string> {
  constructor(
    private readonly allows: CalendarPredicate,
    private readonly mode: 'only' | 'skip',
  ) {
    super();
  }

  override has(date: string): boolean {
    const [year, month, day] = date.split('-').map(Number);
    return this.allows({ year, month, day }) === (this.mode === 'only');
  }
}

const show = (run: { local: string; dst?: string }): string => (run.dst ? `${run.local} ${run.dst}` : run.local);

function describeCase(kase: OracleCase): string {
  return JSON.stringify({
    label: kase.label,
    type: kase.type,
    config: kase.config,
    after: new Date(kase.after * 1000).toISOString(),
    anchor: new Date(kase.anchor * 1000).toISOString(),
    count: kase.count,
    calendar: kase.calendar?.name,
  });
}

describe('the next-run search agrees with an independent luxon oracle', () => {
  it(`on ${TOTAL_CASES} seeded cases around every 2020–2030 transition of ${ORACLE_ZONES.length} zones and at random`, () => {
    const started = Date.now();
    const zones = ORACLE_ZONES.map((name) => new LuxonZone(name, TABLE_FROM, TABLE_TO));
    const { cases, transitions } = oracleCases(seededRandom(SEED), zones, TOTAL_CASES);
    const zoneOf = new Map(zones.map((z) => [z.name, z]));
    const failures: string[] = [];
    let runsCompared = 0;
    let refused = 0;
    const byKind = new Map<string, number>();
    const byDst = new Map<string, number>();
    for (const [index, kase] of cases.entries()) {
      const zone = zoneOf.get(kase.zone) as LuxonZone;
      const calendar = kase.calendar?.allows;
      const oracle = expectedRuns({ ...kase, zone, calendar });
      const expected = oracle.runs.map(show);
      let engine: Occurrence[];
      try {
        engine = engineRuns(kase, calendar, oracle.exactUntil * 1000, index).filter((r) => r.at.getTime() / 1000 <= oracle.exactUntil);
      } catch (error) {
        const details = (error as { details?: unknown }).details;
        // A schedule that can never run is refused when compiled; the oracle must find no run either.
        if (/never (matches|runs)|no time of .* falls inside/.test(JSON.stringify(details)) && oracle.runs.length === 0) {
          refused += 1;
          continue;
        }
        failures.push(`${describeCase(kase)}\n  engine threw ${String(error)} ${JSON.stringify(details ?? '')}`);
        continue;
      }
      const actual = engine.map(show);
      const sameInstants = engine.every((r, i) => oracle.runs[i] && r.at.getTime() === oracle.runs[i].at * 1000);
      if (JSON.stringify(actual) !== JSON.stringify(expected) || !sameInstants) {
        failures.push(`${describeCase(kase)}\n  oracle: ${expected.join(', ')}\n  engine: ${actual.join(', ')}`);
        continue;
      }
      runsCompared += expected.length;
      const kind = kase.config.cron_expression !== undefined ? 'cron' : kase.config.interval ? `interval ${kase.config.interval.unit}` : kase.type === 'ONEOFF' ? 'one-off' : 'time range';
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
      const dst = kase.config.dst ? Object.entries(kase.config.dst).map(([k, v]) => `${k} ${v}`).join(', ') : 'default';
      byDst.set(dst, (byDst.get(dst) ?? 0) + 1);
      // occurrencesBetween counts the same span segment by segment, day by day, and finds its last run by bisection.
      if (!calendar && oracle.runs.length > 0) {
        const last: ExpectedRun = oracle.runs[oracle.runs.length - 1];
        const range = occurrencesBetween(kase.type, kase.config, new Date(kase.after * 1000), new Date(last.at * 1000), 0, new Date(kase.anchor * 1000));
        if (range.count !== oracle.runs.length || range.last?.local !== last.local) {
          failures.push(
            `${describeCase(kase)}\n  occurrencesBetween gave ${range.count} runs, the last ${range.last?.local}; ` +
              `the oracle has ${oracle.runs.length} up to ${last.local}`,
          );
        }
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `next-run oracle: seed ${SEED}, ${cases.length} cases (${transitions} transitions of ${zones.length} zones; ` +
        `${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')}; dst: ${[...byDst].map(([k, n]) => `${n} ${k}`).join('; ')}), ` +
        `${runsCompared} runs compared, ` +
        `${refused} refused as never running (the oracle agrees), ${failures.length} disagreements, ${seconds} s`,
    );
    expect(cases.length).toBeGreaterThanOrEqual(TOTAL_CASES);
    expect(transitions).toBeGreaterThan(300);
    expect(failures.slice(0, 10)).toEqual([]);
  });
});
