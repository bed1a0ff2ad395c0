/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { emptyDraft, instantOfWallTime, ScheduleEditor, type ScheduleDraft, scheduleConfigOf } from '../../web/src/components/ScheduleEditor';
import { renderWithQueries, stubFetch } from './render';

// Answers captured from the server's schedule engine (src/schedules) for these schedules.
const SPRING_FORWARD = {
  timezone: 'America/New_York',
  occurrences: [
    { at: '2027-03-13T07:30:00.000Z', local: '2027-03-13T02:30:00-05:00', dst: null },
    { at: '2027-03-14T07:00:00.000Z', local: '2027-03-14T03:00:00-04:00', dst: 'gap_shifted' },
    { at: '2027-03-15T06:30:00.000Z', local: '2027-03-15T02:30:00-04:00', dst: null },
  ],
};
const FALL_BACK = {
  timezone: 'America/New_York',
  occurrences: [
    { at: '2027-11-07T05:30:00.000Z', local: '2027-11-07T01:30:00-04:00', dst: 'transition_day' },
    { at: '2027-11-07T06:30:00.000Z', local: '2027-11-07T01:30:00-05:00', dst: 'repeated' },
    { at: '2027-11-08T06:30:00.000Z', local: '2027-11-08T01:30:00-05:00', dst: null },
  ],
};

function Harness({ initial, onDraft }: { initial: ScheduleDraft; onDraft?: (d: ScheduleDraft) => void }) {
  const [draft, setDraft] = useState(initial);
  return (
    <ScheduleEditor
      value={draft}
      onChange={(next) => {
        setDraft(next);
        onDraft?.(next);
      }}
    />
  );
}

const newYork = (cron: string): ScheduleDraft => ({ ...emptyDraft('America/New_York'), cron_expression: cron });

describe('schedule editor', () => {
  it('describes the cron expression in plain language as it is typed', async () => {
    stubFetch(() => [200, SPRING_FORWARD]);
    renderWithQueries(<Harness initial={newYork('30 2 * * *')} />);
    const cron = screen.getByLabelText('Cron expression');
    expect(screen.getByText('At 02:30')).toBeTruthy();
    fireEvent.change(cron, { target: { value: '*/15 9-17 * * 1-5' } });
    expect(screen.getByText('Every 15 minutes, between 09:00 and 17:59, Monday through Friday')).toBeTruthy();
    expect(cron.getAttribute('aria-invalid')).toBe('false');
    fireEvent.change(cron, { target: { value: '61 * * * *' } });
    expect(screen.getByText(/Not a valid cron expression/)).toBeTruthy();
    expect(cron.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(cron, { target: { value: '0 *' } });
    expect(screen.getByText(/has 5 fields .*this one has 2/)).toBeTruthy();
  });

  it('previews the next runs from the server, in the schedule zone, with DST days flagged', async () => {
    const requests = stubFetch(() => [200, SPRING_FORWARD]);
    renderWithQueries(<Harness initial={{ ...newYork('30 2 * * *'), dst_gap: 'shift' }} />);
    const list = await screen.findByRole('list', { name: 'Next runs' });
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(items[0]!.textContent).toContain('Sat, Mar 13, 2027, 02:30 (UTC-05:00)');
    expect(items[0]!.querySelector('.badge')).toBeNull();
    expect(items[1]!.textContent).toContain('Sun, Mar 14, 2027, 03:00 (UTC-04:00)');
    expect(within(items[1]!).getByLabelText(/DST: time skipped by the clock change/)).toBeTruthy();
    expect(items[1]!.querySelector('time')!.getAttribute('datetime')).toBe('2027-03-14T07:00:00.000Z');
    expect(requests).toEqual([
      {
        method: 'POST',
        url: 'http://localhost/api/v1/schedules/preview',
        body: { schedule_type: 'RECURRING', schedule_config: { timezone: 'America/New_York', cron_expression: '30 2 * * *', dst: { gap: 'shift', repeat: null } }, count: 8 },
        headers: { 'content-type': 'application/json' },
      },
    ]);
  });

  it('flags the repeated hour and the day of the change at fall-back', async () => {
    stubFetch(() => [200, FALL_BACK]);
    renderWithQueries(<Harness initial={{ ...newYork('30 1 * * *'), dst_repeat: 'twice' }} />);
    const items = within(await screen.findByRole('list', { name: 'Next runs' })).getAllByRole('listitem');
    expect(within(items[0]!).getByText('DST change day')).toBeTruthy();
    expect(within(items[1]!).getByText('DST repeated')).toBeTruthy();
    expect(items[1]!.textContent).toContain('01:30 (UTC-05:00)');
    expect(items[2]!.querySelector('.badge')).toBeNull();
  });

  it('asks the server again when the schedule changes, and shows its refusal', async () => {
    const requests = stubFetch((request) => {
      const config = (request.body as { schedule_config: { timezone: string } }).schedule_config;
      return config.timezone === 'Europe/Paris' ? [400, { error: 'Invalid schedule_config', details: ['cron_expression: no run in the next 5 years'] }] : [200, SPRING_FORWARD];
    });
    renderWithQueries(<Harness initial={newYork('30 2 * * *')} />);
    await screen.findByRole('list', { name: 'Next runs' });
    fireEvent.change(screen.getByLabelText('Time zone'), { target: { value: 'Europe/Paris' } });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The server refused this schedule: Invalid schedule_config: cron_expression: no run in the next 5 years');
    expect(requests.map((r) => (r.body as { schedule_config: { timezone: string } }).schedule_config.timezone)).toEqual(['America/New_York', 'Europe/Paris']);
  });

  it('does not ask the server about an expression it cannot read or an unknown zone', async () => {
    jest.useFakeTimers();
    try {
      const requests = stubFetch(() => [200, SPRING_FORWARD]);
      renderWithQueries(<Harness initial={newYork('not cron at all')} />);
      expect(screen.getByText('Complete the schedule to see its next runs.')).toBeTruthy();
      fireEvent.change(screen.getByLabelText('Cron expression'), { target: { value: '0 3 * * *' } });
      fireEvent.change(screen.getByLabelText('Time zone'), { target: { value: 'Mars/Olympus' } });
      expect(screen.getByText('"Mars/Olympus" is not an IANA time zone this browser knows.')).toBeTruthy();
      // Well past the editor's debounce: a request would have gone out by now.
      act(() => jest.advanceTimersByTime(5_000));
      expect(requests).toHaveLength(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('offers every IANA zone of the browser in the searchable zone list', () => {
    stubFetch(() => [200, SPRING_FORWARD]);
    renderWithQueries(<Harness initial={newYork('0 3 * * *')} />);
    const input = screen.getByLabelText('Time zone');
    const options = [...document.getElementById(input.getAttribute('list')!)!.querySelectorAll('option')].map((o) => o.value);
    expect(options[0]).toBe('UTC');
    expect(options).toEqual(expect.arrayContaining(['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Australia/Lord_Howe']));
    expect(options.length).toBe(new Set(options).size);
    expect(options.length).toBeGreaterThan(300);
  });

  it('turns a one-off wall-clock time in the chosen zone into the instant the API takes', async () => {
    const requests = stubFetch((request) =>
      (request.body as { schedule_type: string }).schedule_type === 'ONEOFF'
        ? [200, { timezone: 'Asia/Kolkata', occurrences: [{ at: '2027-01-15T04:00:00.000Z', local: '2027-01-15T09:30:00+05:30', dst: null }] }]
        : [200, { timezone: 'Asia/Kolkata', occurrences: [{ at: '2026-11-26T16:30:00.000Z', local: '2026-11-26T22:00:00+05:30', dst: null }] }],
    );
    let last: ScheduleDraft | undefined;
    renderWithQueries(<Harness initial={{ ...emptyDraft('Asia/Kolkata') }} onDraft={(d) => (last = d)} />);
    fireEvent.change(screen.getByLabelText('Schedule type'), { target: { value: 'ONEOFF' } });
    fireEvent.change(screen.getByLabelText("Run at (in the task's time zone)"), { target: { value: '2027-01-15T09:30' } });
    expect(await screen.findByText(/Fri, Jan 15, 2027, 09:30 \(UTC\+05:30\)/)).toBeTruthy();
    expect(scheduleConfigOf(last!)).toEqual({ timezone: 'Asia/Kolkata', run_at: '2027-01-15T04:00:00.000Z' });
    expect(requests.at(-1)!.body).toEqual({ schedule_type: 'ONEOFF', schedule_config: { timezone: 'Asia/Kolkata', run_at: '2027-01-15T04:00:00.000Z' }, count: 8 });
    // Summer and winter offsets of the zone are applied to their own dates.
    expect(instantOfWallTime('2027-07-01T12:00', 'Europe/Paris')).toBe('2027-07-01T10:00:00.000Z');
    expect(instantOfWallTime('2027-12-01T12:00', 'Europe/Paris')).toBe('2027-12-01T11:00:00.000Z');
    // A time the clock skips is read at the offset before the gap: 02:30 EST, which is 03:30 EDT.
    expect(instantOfWallTime('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    // A time the clock reads twice is its first reading, 01:30 EDT.
    expect(instantOfWallTime('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    expect(instantOfWallTime('2026-10-04T02:15', 'Australia/Lord_Howe')).toBe('2026-10-03T15:45:00.000Z');
  });

  it('labels every control, so each can be reached and named by keyboard and screen reader', () => {
    stubFetch(() => [200, SPRING_FORWARD]);
    const { container } = renderWithQueries(<Harness initial={newYork('0 3 * * *')} />);
    for (const control of container.querySelectorAll('input, select')) {
      const id = control.getAttribute('id');
      expect([...container.querySelectorAll('label')].filter((label) => id && label.htmlFor === id)).toHaveLength(1);
    }
  });
});
