/**
 * A month of days to pick from, each marked with its runs and failures (GET /projects/{id}/calendar),
 * and the popover (Radix) that opens it from a button showing the picked day.
 */
import * as Popover from '@radix-ui/react-popover';
import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useRef, useState } from 'react';
import { api, type CalendarDay, unwrap } from '../api/client';
import { ErrorMessage } from './ui';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y!, m!, 0)).getUTCDate();
}

/** 0 = Monday. */
function weekdayOf(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return (new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay() + 6) % 7;
}

export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number);
  const date = new Date(Date.UTC(y!, m! - 1 + delta, 1));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function longDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!)).toLocaleDateString('en-US', { timeZone: 'UTC', weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
}

function monthTitle(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, 1)).toLocaleDateString('en-US', { timeZone: 'UTC', month: 'long', year: 'numeric' });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function dayLabel(day: string, stats: CalendarDay | undefined): string {
  if (!stats || stats.total === 0) return `${longDay(day)}: no runs`;
  const parts = [plural(stats.total, 'run')];
  if (stats.failures > 0) parts.push(plural(stats.failures, 'failure'));
  if (stats.in_progress > 0) parts.push(`${stats.in_progress} in progress`);
  return `${longDay(day)}: ${parts.join(', ')}`;
}

export interface CalendarProps {
  month: string;
  days: CalendarDay[];
  selected: string;
  today?: string;
  onSelect: (day: string) => void;
  onMonthChange: (month: string) => void;
}

export function Calendar({ month, days, selected, today, onSelect, onMonthChange }: CalendarProps) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const count = daysInMonth(month);
  const first = `${month}-01`;
  const lead = weekdayOf(first);
  const grid = useRef<HTMLDivElement>(null);
  const dates = Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
  const focusable = selected.startsWith(month) ? selected : first;

  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = Math.min(count - 1, Math.max(0, index + step));
    grid.current?.querySelectorAll<HTMLButtonElement>('button.day')[next]?.focus();
  };

  return (
    <div className="calendar">
      <div className="calendar-head">
        <button type="button" onClick={() => onMonthChange(shiftMonth(month, -1))} aria-label="Previous month">
          ‹
        </button>
        <span className="calendar-title" aria-live="polite">
          {monthTitle(month)}
        </span>
        <button type="button" onClick={() => onMonthChange(shiftMonth(month, 1))} aria-label="Next month">
          ›
        </button>
      </div>
      <div className="calendar-grid" role="group" aria-label={monthTitle(month)} ref={grid}>
        {WEEKDAYS.map((w) => (
          <span key={w} className="weekday" aria-hidden="true">
            {w}
          </span>
        ))}
        {Array.from({ length: lead }, (_, i) => (
          <span key={`lead-${i}`} aria-hidden="true" />
        ))}
        {dates.map((date, index) => {
          const stats = byDate.get(date);
          const classes = ['day'];
          if (stats && stats.total > 0) classes.push('has-runs');
          if (stats && stats.failures > 0) classes.push('has-failures');
          if (date === selected) classes.push('selected');
          if (date === today) classes.push('today');
          return (
            <button
              key={date}
              type="button"
              className={classes.join(' ')}
              aria-label={dayLabel(date, stats)}
              aria-pressed={date === selected}
              aria-current={date === today ? 'date' : undefined}
              tabIndex={date === focusable ? 0 : -1}
              onClick={() => onSelect(date)}
              onKeyDown={(e) => onKeyDown(e, index)}
              data-date={date}
            >
              <span>{index + 1}</span>
              {stats && stats.total > 0 ? <span className={stats.failures > 0 ? 'dot dot-bad' : 'dot'} aria-hidden="true" /> : null}
            </button>
          );
        })}
      </div>
      <p className="calendar-legend small muted">
        <span className="dot" aria-hidden="true" /> runs <span className="dot dot-bad" aria-hidden="true" /> failures
      </p>
    </div>
  );
}

/** A button showing the picked day; it opens the month with runs and failures marked. */
export function DayPicker({ projectId, taskId, timezone, day, today, onChange }: { projectId: string; taskId?: string; timezone: string; day: string; today: string; onChange: (day: string) => void }) {
  const [open, setOpen] = useState(false);
  const [month, setMonth] = useState(day.slice(0, 7));
  const calendar = useQuery({
    queryKey: ['calendar', projectId, taskId, month, timezone],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/calendar', { params: { path: { project_id: projectId }, query: { month, task_id: taskId, tz: timezone } } })),
    enabled: open,
  });
  return (
    <Popover.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) setMonth(day.slice(0, 7));
      }}
    >
      <Popover.Trigger asChild>
        <button type="button" className="day-picker-trigger" aria-label={`Day: ${longDay(day)} (${timezone}). Change day`}>
          Day: {longDay(day)} ▾
        </button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content className="popover" sideOffset={6} align="start" aria-label="Pick a day">
          {calendar.isError ? <ErrorMessage error={calendar.error} title="Could not load the calendar" /> : null}
          <Calendar
            month={month}
            days={calendar.data?.days ?? []}
            selected={day}
            today={today}
            onMonthChange={setMonth}
            onSelect={(picked) => {
              onChange(picked);
              setOpen(false);
            }}
          />
          {calendar.isPending ? <p className="small muted" role="status">Loading runs of {monthTitle(month)}…</p> : null}
          <p className="small muted">Days in {timezone}.</p>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
