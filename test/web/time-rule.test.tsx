/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { act, fireEvent, render, screen } from '@testing-library/react';
import { TimeRuleSwitch } from '../../web/src/components/TimeRuleSwitch';
import { browserZone } from '../../web/src/format';
import { setTimeRule, setTimeRuleOwner, timeDisplay, useTimeDisplay } from '../../web/src/time-rule';

// 2026-03-08 is the day New York moves to summer time (02:00 EST → 03:00 EDT, 07:00 UTC).
const NY = 'America/New_York';

describe('timeDisplay: the one rule for showing times', () => {
  it('shows a time in my zone or in the task’s zone, always naming the zone', () => {
    const mine = timeDisplay('mine', NY);
    const task = timeDisplay('task', NY);
    expect(mine.zoneFor('Asia/Tokyo')).toBe(NY);
    expect(task.zoneFor('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(task.zoneFor(undefined)).toBe(NY); // nothing of its own: my zone
    expect(mine.dateTime('2026-03-08T12:00:00Z', 'Asia/Tokyo')).toBe('Mar 8, 2026, 8:00:00 AM EDT');
    expect(mine.dateTime('2026-03-08T06:00:00Z', 'Asia/Tokyo')).toBe('Mar 8, 2026, 1:00:00 AM EST');
    expect(task.dateTime('2026-03-08T12:00:00Z', 'Asia/Tokyo')).toBe('Mar 8, 2026, 9:00:00 PM GMT+9');
    expect(task.time('2026-03-08T12:00:05Z', 'Europe/Berlin')).toBe('1:00:05 PM GMT+1');
    expect(task.dateTimeShort('2026-03-08T12:00:00Z', 'Asia/Kolkata')).toBe('Mar 8, 2026, 5:30 PM GMT+5:30');
    expect(mine.dateTime(null)).toBe('—');
    expect(mine.dateTime('not a time')).toBe('not a time');
  });

  it('gives the day of an instant in the shown zone, half-hour zones included', () => {
    const instant = '2026-03-07T18:45:00Z'; // 13:45 in New York, 00:15 on the 8th in Kolkata, 03:45 on the 8th in Tokyo
    expect(timeDisplay('mine', NY).day(instant, 'Asia/Kolkata')).toBe('2026-03-07');
    expect(timeDisplay('task', NY).day(instant, 'Asia/Kolkata')).toBe('2026-03-08');
    expect(timeDisplay('task', NY).today('Asia/Tokyo', new Date(instant))).toBe('2026-03-08');
    expect(timeDisplay('mine', NY).today('Asia/Tokyo', new Date(instant))).toBe('2026-03-07');
  });

  it('labels the zone it shows and whose it is', () => {
    expect(timeDisplay('mine', NY).zoneLabel('Asia/Tokyo')).toBe('America/New_York (your zone)');
    expect(timeDisplay('task', NY).zoneLabel('Asia/Tokyo')).toBe("Asia/Tokyo (the task's zone)");
    expect(timeDisplay('task', NY).zoneLabel('Europe/Berlin', 'project')).toBe("Europe/Berlin (the project's zone)");
  });
});

function Shown({ iso, zone }: { iso: string; zone: string }) {
  const times = useTimeDisplay();
  return <p data-testid="shown">{`${times.zoneLabel(zone)} ${times.dateTime(iso, zone)}`}</p>;
}

describe('the "Show times in" setting', () => {
  beforeEach(() => {
    window.localStorage.clear();
    setTimeRuleOwner('user-1');
  });

  it('defaults to my zone, switches every time shown at once, and is kept per person in this browser', () => {
    render(
      <>
        <TimeRuleSwitch />
        <TimeRuleSwitch compact />
        <Shown iso="2026-03-08T12:00:00Z" zone="Asia/Tokyo" />
      </>,
    );
    expect(screen.getByTestId('shown').textContent).toContain(`${browserZone()} (your zone)`);
    expect((screen.getByRole('radio', { name: /My zone/ }) as HTMLInputElement).checked).toBe(true);

    fireEvent.click(screen.getByRole('radio', { name: /The task's zone/ }));
    expect(screen.getByTestId('shown').textContent).toBe("Asia/Tokyo (the task's zone) Mar 8, 2026, 9:00:00 PM GMT+9");
    expect((screen.getByLabelText('Times in') as HTMLSelectElement).value).toBe('task');
    expect(window.localStorage.getItem('cron-observer.time-rule.user-1')).toBe('task');

    // The small switch in the top bar is the same setting.
    fireEvent.change(screen.getByLabelText('Times in'), { target: { value: 'mine' } });
    expect((screen.getByRole('radio', { name: /My zone/ }) as HTMLInputElement).checked).toBe(true);
    expect(screen.getByTestId('shown').textContent).toContain('(your zone)');

    act(() => setTimeRule('task'));
    expect(screen.getByTestId('shown').textContent).toContain("(the task's zone)");
  });

  it('reads another person’s choice when another person signs in', () => {
    window.localStorage.setItem('cron-observer.time-rule.user-1', 'task');
    setTimeRuleOwner('user-2');
    const { unmount } = render(<Shown iso="2026-03-08T12:00:00Z" zone="Asia/Tokyo" />);
    expect(screen.getByTestId('shown').textContent).toContain('(your zone)');
    unmount();
    setTimeRuleOwner('user-1');
    render(<Shown iso="2026-03-08T12:00:00Z" zone="Asia/Tokyo" />);
    expect(screen.getByTestId('shown').textContent).toContain("(the task's zone)");
  });
});
