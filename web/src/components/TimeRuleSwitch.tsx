/**
 * The "Show times in" setting: the person's own zone or each task's zone (web/src/time-rule.tsx). The
 * account page shows it in full; the top bar keeps a small version within reach on every page.
 */
import { useId } from 'react';
import { setTimeRule, type TimeRule, useTimeDisplay } from '../time-rule';
import './TimeRuleSwitch.css';

export function TimeRuleSwitch({ compact = false }: { compact?: boolean }) {
  const id = useId();
  const { rule, mine } = useTimeDisplay();
  if (compact) {
    return (
      <span className="time-rule-compact">
        <label htmlFor={`${id}-rule`} className="small">
          Times in
        </label>{' '}
        <select id={`${id}-rule`} value={rule} onChange={(e) => setTimeRule(e.target.value as TimeRule)}>
          <option value="mine">my zone ({mine})</option>
          <option value="task">the task's zone</option>
        </select>
      </span>
    );
  }
  return (
    <fieldset className="card time-rule">
      <legend>
        <h2 className="time-rule-title">Show times in</h2>
      </legend>
      <p className="small muted">Applies to every time in the dashboard: lists, run details, next runs, histories, charts' days and the calendar. Every time says its zone. Kept in this browser for you.</p>
      <div className="time-rule-choice">
        <input type="radio" id={`${id}-mine`} name={`${id}-rule`} value="mine" checked={rule === 'mine'} onChange={() => setTimeRule('mine')} />
        <label htmlFor={`${id}-mine`}>
          My zone: {mine} <span className="small muted">(this browser's)</span>
        </label>
      </div>
      <div className="time-rule-choice">
        <input type="radio" id={`${id}-task`} name={`${id}-rule`} value="task" checked={rule === 'task'} onChange={() => setTimeRule('task')} />
        <label htmlFor={`${id}-task`}>
          The task's zone <span className="small muted">(its schedule's zone; the project's zone for what belongs to the project)</span>
        </label>
      </div>
    </fieldset>
  );
}
