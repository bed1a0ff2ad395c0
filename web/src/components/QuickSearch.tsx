/**
 * The global quick search: `/` (outside a field) or Ctrl/Cmd+K opens a dialog that jumps to a project or
 * task by name, or to an execution (its run on the task page), a task or a project by its id
 * (GET /search). The dialog is modal: focus stays in it, Escape closes it, and focus goes back to where
 * it was.
 */
import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { api, type Schemas, unwrap } from '../api/client';
import { navigate } from '../router';
import { useTimeDisplay } from '../time-rule';
import { ErrorMessage } from './ui';
import './QuickSearch.css';

type Hit = Schemas['SearchHit'];

/** Where a hit leads. */
export function hitPath(hit: Hit): string {
  if (hit.kind === 'project') return `/projects/${hit.project_id}`;
  const task = `/projects/${hit.project_id}/tasks/${hit.task_id}`;
  return hit.kind === 'execution' ? `${task}?run=${encodeURIComponent(hit.id)}` : task;
}

function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** True for the keys that open the search from where the event happened. */
export function opensSearch(event: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; target: EventTarget | null }): boolean {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') return true;
  return event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey && !typingInField(event.target);
}

export function QuickSearch() {
  const [open, setOpen] = useState(false);
  const returnTo = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (open || !opensSearch(event)) return;
      event.preventDefault();
      returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      setOpen(true);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  const close = (restoreFocus = true) => {
    setOpen(false);
    if (restoreFocus) returnTo.current?.focus();
  };
  return (
    <>
      <button
        type="button"
        className="quick-search-button"
        aria-keyshortcuts="/ Control+K Meta+K"
        onClick={(event) => {
          returnTo.current = event.currentTarget;
          setOpen(true);
        }}
      >
        Search <kbd aria-hidden="true">/</kbd>
      </button>
      {open ? <SearchDialog onClose={close} /> : null}
    </>
  );
}

function SearchDialog({ onClose }: { onClose: (restoreFocus?: boolean) => void }) {
  const id = useId();
  const times = useTimeDisplay();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => input.current?.focus(), []);
  // Ask once typing pauses, not for every key.
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 120);
    return () => clearTimeout(timer);
  }, [text]);
  const search = useQuery({
    queryKey: ['search', q],
    queryFn: () => unwrap(api.GET('/search', { params: { query: { q, limit: '20' } } })),
    enabled: q.length > 0,
    placeholderData: (previous) => previous,
  });
  const hits = q && search.data ? search.data.hits : [];
  useEffect(() => setActive(0), [search.data]);

  const go = (hit: Hit | undefined) => {
    if (!hit) return;
    onClose(false);
    navigate(hitPath(hit));
  };
  const pendingEnter = useRef(false);
  useEffect(() => {
    if (pendingEnter.current && search.data && search.data.q === q && !search.isFetching) {
      pendingEnter.current = false;
      go(search.data.hits[0]);
    }
  });
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (hits.length) setActive((active + (event.key === 'ArrowDown' ? 1 : hits.length - 1)) % hits.length);
    } else if (event.key === 'Enter' && event.target === input.current) {
      event.preventDefault();
      if (text.trim() === q && search.data?.q === q && !search.isFetching) go(hits[active]);
      else {
        // The typed text is ahead of the answer: search it now and go to the first match when it comes.
        pendingEnter.current = true;
        setQ(text.trim());
      }
    } else if (event.key === 'Tab') {
      trapFocus(event, dialog.current);
    }
  };
  const option = (index: number) => `${id}-hit-${index}`;
  return (
    <div className="quick-search-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="quick-search card" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} ref={dialog} onKeyDown={onKeyDown}>
        <h2 id={`${id}-title`} className="quick-search-title">
          Go to a project, task or run
        </h2>
        <input
          ref={input}
          type="search"
          role="combobox"
          aria-label="Project or task name, or an execution, task or project id"
          aria-expanded={hits.length > 0}
          aria-controls={`${id}-hits`}
          aria-activedescendant={hits.length ? option(active) : undefined}
          aria-autocomplete="list"
          autoComplete="off"
          placeholder="Name or id…"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            pendingEnter.current = false;
          }}
        />
        <ErrorMessage error={search.error} title="Could not search" />
        <ul id={`${id}-hits`} role="listbox" aria-label="Matches" className="quick-search-hits">
          {hits.map((hit, index) => (
            <li
              key={`${hit.kind}-${hit.id}`}
              id={option(index)}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
              onMouseEnter={() => setActive(index)}
              onClick={() => go(hit)}
            >
              <span className="badge">{hit.kind === 'execution' ? 'run' : hit.kind}</span> <strong>{hit.name}</strong>
              <span className="small muted">
                {hit.kind === 'project' ? '' : ` in ${hit.project_name}`}
                {hit.kind === 'execution' ? ` · ${hit.status} · ${times.dateTime(hit.scheduled_at)}` : ''}
              </span>
            </li>
          ))}
        </ul>
        <p className="small muted" role="status">
          {q && search.data && search.data.q === q ? (hits.length === 0 ? `Nothing matches “${q}”.` : `${hits.length}${search.data.truncated ? '+' : ''} match${hits.length === 1 ? '' : 'es'}. ↑ ↓ to choose, Enter to go, Escape to close.`) : 'Type a name or paste an id.'}
        </p>
        <button type="button" onClick={() => onClose()}>
          Close
        </button>
      </div>
    </div>
  );
}

/** Keeps Tab and Shift+Tab inside the dialog. */
function trapFocus(event: KeyboardEvent, container: HTMLElement | null): void {
  if (!container) return;
  const focusable = [...container.querySelectorAll<HTMLElement>('input, button, [href], select, textarea, [tabindex]:not([tabindex="-1"])')].filter((el) => !el.hasAttribute('disabled'));
  const first = focusable[0];
  const last = focusable.at(-1);
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
