import { useEffect, useId, useState } from 'react';
import type { TaskGroup } from '../../api/client';
import { DEFAULT_VIEW, isFiltered, type OverviewView, STATE_LABELS, type TaskState } from './overview-view';

/** How long typing pauses before the search goes into the address (and the list asks again). */
const SEARCH_PAUSE_MS = 250;

/** The search box and the filters; every change goes into the address (see overview-view.ts). */
export function OverviewFilters({ view, onChange, groups, tags }: { view: OverviewView; onChange: (change: Partial<OverviewView>) => void; groups: TaskGroup[]; tags: string[] }) {
  const id = useId();
  const [text, setText] = useState(view.q);
  useEffect(() => setText(view.q), [view.q]);
  useEffect(() => {
    if (text === view.q) return;
    const timer = setTimeout(() => onChange({ q: text }), SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, view.q, onChange]);
  return (
    <div className="overview-filters" role="search" aria-label="Find tasks">
      <div className="filter">
        <label htmlFor={`${id}-q`}>Search tasks</label>
        <input id={`${id}-q`} type="search" value={text} placeholder="Name contains…" onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="filter">
        <label htmlFor={`${id}-status`}>Status</label>
        <select id={`${id}-status`} value={view.status} onChange={(e) => onChange({ status: e.target.value as TaskState | '' })}>
          <option value="">Any</option>
          {(Object.keys(STATE_LABELS) as TaskState[]).map((state) => (
            <option key={state} value={state}>
              {STATE_LABELS[state]}
            </option>
          ))}
        </select>
      </div>
      <div className="filter">
        <label htmlFor={`${id}-mode`}>Mode</label>
        <select id={`${id}-mode`} value={view.mode} onChange={(e) => onChange({ mode: e.target.value as OverviewView['mode'] })}>
          <option value="">Any</option>
          <option value="push">push</option>
          <option value="pull">pull</option>
          <option value="external">external</option>
        </select>
      </div>
      <div className="filter">
        <label htmlFor={`${id}-group`}>Group</label>
        <select id={`${id}-group`} value={view.group} onChange={(e) => onChange({ group: e.target.value })}>
          <option value="">Any</option>
          <option value="none">Without a group</option>
          {groups.map((group) => (
            <option key={group.id} value={group.id}>
              {group.name}
            </option>
          ))}
        </select>
      </div>
      <div className="filter">
        <label htmlFor={`${id}-tag`}>Tag</label>
        <select id={`${id}-tag`} value={view.tag} onChange={(e) => onChange({ tag: e.target.value })}>
          <option value="">Any</option>
          {[...new Set([...tags, ...(view.tag ? [view.tag] : [])])].map((tag) => (
            <option key={tag} value={tag}>
              {tag}
            </option>
          ))}
        </select>
      </div>
      {isFiltered(view) ? (
        <button type="button" onClick={() => onChange({ q: DEFAULT_VIEW.q, status: '', mode: '', group: '', tag: '' })}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
