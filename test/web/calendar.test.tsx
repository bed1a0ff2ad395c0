/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { Calendar, DayPicker, dayLabel, shiftMonth } from '../../web/src/components/Calendar';
import type { CalendarDay } from '../../web/src/api/client';
import { renderWithQueries, stubFetch } from './render';

const day = (date: string, total: number, failures = 0, in_progress = 0): CalendarDay => ({ date, total, success: total - failures - in_progress, failures, cancelled: 0, in_progress });

describe('calendar', () => {
  const days = [day('2026-03-02', 24), day('2026-03-08', 23, 2), day('2026-03-26', 3, 0, 1)];

  it('lays out the month from Monday and marks days with runs and with failures', () => {
    renderWithQueries(<Calendar month="2026-03" days={days} selected="2026-03-26" today="2026-03-26" onSelect={() => {}} onMonthChange={() => {}} />);
    const grid = screen.getByRole('group', { name: 'March 2026' });
    const buttons = within(grid).getAllByRole('button');
    expect(buttons).toHaveLength(31);
    // March 1st 2026 is a Sunday: six empty cells before it.
    const cells = [...grid.children].filter((c) => !c.classList.contains('weekday'));
    expect(cells.slice(0, 6).every((c) => c.tagName === 'SPAN')).toBe(true);
    expect(cells[6]!.getAttribute('data-date')).toBe('2026-03-01');

    const second = screen.getByRole('button', { name: 'Monday, March 2, 2026: 24 runs' });
    expect(second.classList.contains('has-runs')).toBe(true);
    expect(second.classList.contains('has-failures')).toBe(false);
    const eighth = screen.getByRole('button', { name: 'Sunday, March 8, 2026: 23 runs, 2 failures' });
    expect(eighth.classList.contains('has-failures')).toBe(true);
    expect(screen.getByRole('button', { name: 'Tuesday, March 3, 2026: no runs' }).classList.contains('has-runs')).toBe(false);
    const selected = screen.getByRole('button', { name: 'Thursday, March 26, 2026: 3 runs, 1 in progress' });
    expect(selected.getAttribute('aria-pressed')).toBe('true');
    expect(selected.getAttribute('aria-current')).toBe('date');
    expect(selected.tabIndex).toBe(0);
    expect(second.tabIndex).toBe(-1);
  });

  it('picks a day by click, moves between days with the arrow keys and between months with the buttons', () => {
    const picked: string[] = [];
    const months: string[] = [];
    renderWithQueries(<Calendar month="2026-03" days={days} selected="2026-03-08" onSelect={(d) => picked.push(d)} onMonthChange={(m) => months.push(m)} />);
    fireEvent.click(screen.getByRole('button', { name: /March 2, 2026/ }));
    expect(picked).toEqual(['2026-03-02']);
    const eighth = screen.getByRole('button', { name: /March 8, 2026/ });
    eighth.focus();
    fireEvent.keyDown(eighth, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /March 15, 2026/ }));
    fireEvent.keyDown(document.activeElement!, { key: 'ArrowLeft' });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /March 14, 2026/ }));
    fireEvent.keyDown(document.activeElement!, { key: 'Enter' });
    fireEvent.click(document.activeElement!);
    expect(picked).toEqual(['2026-03-02', '2026-03-14']);
    fireEvent.click(screen.getByRole('button', { name: 'Previous month' }));
    fireEvent.click(screen.getByRole('button', { name: 'Next month' }));
    expect(months).toEqual(['2026-02', '2026-04']);
  });

  it('handles leap years and year boundaries', () => {
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    renderWithQueries(<Calendar month="2028-02" days={[]} selected="2028-02-29" onSelect={() => {}} onMonthChange={() => {}} />);
    expect(within(screen.getByRole('group', { name: 'February 2028' })).getAllByRole('button')).toHaveLength(29);
    expect(dayLabel('2028-02-29', undefined)).toBe('Tuesday, February 29, 2028: no runs');
  });

  it('opens in a popover from the day button, loads the month from the calendar route, and closes on a pick', async () => {
    const requests = stubFetch((request) => {
      const month = new URL(request.url).searchParams.get('month');
      const monthDays = month === '2026-03' ? days : [day(`${month}-10`, 5, 5)];
      return [200, { month, timezone: 'Europe/Berlin', source: 'daily_buckets', days: monthDays }];
    });
    function Picker() {
      const [picked, setPicked] = useState('2026-03-26');
      return (
        <>
          <DayPicker projectId="p1" taskId="t1" timezone="Europe/Berlin" day={picked} today="2026-03-26" onChange={setPicked} />
          <output aria-label="picked">{picked}</output>
        </>
      );
    }
    renderWithQueries(<Picker />);
    expect(requests).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Day: Thursday, March 26, 2026 (Europe/Berlin). Change day' }));
    const failing = await screen.findByRole('button', { name: 'Sunday, March 8, 2026: 23 runs, 2 failures' });
    expect(failing.classList.contains('has-failures')).toBe(true);
    const url = new URL(requests[0]!.url);
    expect(url.pathname).toBe('/api/v1/projects/p1/calendar');
    expect(Object.fromEntries(url.searchParams)).toEqual({ month: '2026-03', task_id: 't1', tz: 'Europe/Berlin' });

    fireEvent.click(screen.getByRole('button', { name: 'Previous month' }));
    expect(await screen.findByRole('button', { name: 'Tuesday, February 10, 2026: 5 runs, 5 failures' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: /February 10, 2026/ }));
    await waitFor(() => expect(screen.queryByRole('group', { name: 'February 2026' })).toBeNull());
    expect(screen.getByLabelText('picked').textContent).toBe('2026-02-10');
  });

  it('says so when the calendar cannot be loaded', async () => {
    stubFetch(() => [403, { error: 'Role or key scope not allowed' }]);
    renderWithQueries(<DayPicker projectId="p1" timezone="UTC" day="2026-03-26" today="2026-03-26" onChange={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: /Change day/ }));
    expect((await screen.findByRole('alert')).textContent).toBe('Could not load the calendar: Role or key scope not allowed');
  });
});
