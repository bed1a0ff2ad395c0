/**
 * Runs per hour or day as stacked bars, with a y axis (runs), an x axis (hours or days, naming the zone),
 * a legend, and each bar's values on hover and on keyboard focus (one tab stop, arrow keys move between
 * bars), plus the same figures as a table.
 */
import { type KeyboardEvent, useRef, useState } from 'react';
import type { StatsRange } from '../api/client';
import { useTimeDisplay } from '../time-rule';
import { type ChartBar, SEGMENTS, chartBars, describeBar, tickEvery, yTicks } from './stats-chart-model';
import './StatsChart.css';

export function StatsChart({ stats, title, projectZone }: { stats: StatsRange; title: string; projectZone: string }) {
  const time = useTimeDisplay();
  const hourZone = time.zoneFor(projectZone);
  const bars = chartBars(stats, hourZone);
  const ticks = yTicks(Math.max(0, ...bars.map((b) => b.total)));
  const top = ticks.at(-1)!;
  const every = tickEvery(bars.length);
  const [active, setActive] = useState<number | null>(null);
  const [focusIndex, setFocusIndex] = useState(bars.length - 1);
  const buttons = useRef<Array<HTMLButtonElement | null>>([]);
  const xTitle = stats.granularity === 'hour' ? `Hour (${hourZone})` : `Day (days in ${stats.timezone})`;
  const when = (bar: ChartBar) => (stats.granularity === 'hour' ? time.dateTime(bar.start, projectZone) : `${bar.key} (${stats.timezone})`);
  const shown = active ?? null;

  const move = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: bars.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = Math.min(bars.length - 1, Math.max(0, next));
    setFocusIndex(target);
    buttons.current[target]?.focus();
  };

  return (
    <figure className="stats-chart" aria-labelledby={`${stats.granularity}-chart-title`}>
      <figcaption id={`${stats.granularity}-chart-title`} className="stats-chart-title">
        {title}
      </figcaption>
      <ul className="stats-legend" aria-label="Legend">
        {SEGMENTS.map((s) => (
          <li key={s.kind}>
            <span className={`swatch seg-${s.kind}`} aria-hidden="true" /> {s.label}
          </li>
        ))}
      </ul>
      <p className="stats-readout" data-testid="chart-readout">
        {shown !== null && bars[shown] ? describeBar(bars[shown]!, when(bars[shown]!)) : 'Point at a bar, or focus it and use the arrow keys, to read its figures.'}
      </p>
      <div className="stats-chart-body">
        <div className="stats-y-title" aria-hidden="true">
          Runs
        </div>
        <div className="stats-y-axis" aria-hidden="true">
          {[...ticks].reverse().map((t) => (
            <span key={t}>{t}</span>
          ))}
        </div>
        <div className="stats-plot-wrap">
          <div className="stats-plot" role="group" aria-label={`${title}: one bar per ${stats.granularity}, y axis runs from 0 to ${top}`} onMouseLeave={() => setActive(null)}>
            {ticks.map((t) => (
              <span key={t} className="stats-grid" style={{ bottom: `${(t / top) * 100}%` }} aria-hidden="true" />
            ))}
            {bars.map((bar, index) => (
              <button
                key={bar.key}
                type="button"
                ref={(el) => {
                  buttons.current[index] = el;
                }}
                className={index === shown ? 'stats-bar active' : 'stats-bar'}
                tabIndex={index === focusIndex ? 0 : -1}
                aria-label={describeBar(bar, when(bar))}
                onMouseEnter={() => setActive(index)}
                onFocus={() => {
                  setActive(index);
                  setFocusIndex(index);
                }}
                onBlur={() => setActive(null)}
                onKeyDown={(event) => move(event, index)}
              >
                <span className="stats-stack" style={{ height: `${(bar.total / top) * 100}%` }}>
                  {SEGMENTS.map((s) => (bar.values[s.kind] ? <span key={s.kind} className={`seg-${s.kind}`} style={{ flexGrow: bar.values[s.kind] }} /> : null))}
                </span>
              </button>
            ))}
          </div>
          <div className="stats-x-axis" aria-hidden="true">
            {bars.map((bar, index) => {
              const fromEnd = bars.length - 1 - index;
              if (fromEnd % every !== 0) return <span key={bar.key} />;
              // Every other label gives way on a narrow screen, counted from the newest.
              return (
                <span key={bar.key} className={(fromEnd / every) % 2 === 1 ? 'alternate' : undefined}>
                  {bar.tick}
                </span>
              );
            })}
          </div>
          <div className="stats-x-title" aria-hidden="true">
            {xTitle}
          </div>
        </div>
      </div>
      <details className="stats-table">
        <summary>Show the figures as a table</summary>
        {/* Focusable so the keyboard can scroll it sideways on a narrow screen. */}
        <div className="stats-scroll" role="region" aria-label={`${title}, table`} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{stats.granularity === 'hour' ? 'Hour' : `Day (${stats.timezone})`}</th>
              <th scope="col">Runs</th>
              {SEGMENTS.map((s) => (
                <th key={s.kind} scope="col">
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {bars.map((bar) => (
              <tr key={bar.key}>
                <th scope="row">{stats.granularity === 'hour' ? time.dateTime(bar.start, projectZone) : bar.key}</th>
                <td>{bar.total}</td>
                {SEGMENTS.map((s) => (
                  <td key={s.kind}>{bar.values[s.kind]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      </details>
    </figure>
  );
}
