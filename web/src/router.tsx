/** A small history router: the server answers every non-/api path with the dashboard (SPA fallback). */
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useState } from 'react';

const listeners = new Set<() => void>();

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo?.(0, 0);
  for (const listener of listeners) listener();
}

/** A part of the address, kept current through navigate() and the browser's back and forward. */
function useLocationPart(read: () => string): string {
  const [value, setValue] = useState(read);
  useEffect(() => {
    const update = () => setValue(read());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, [read]);
  return value;
}

const readPath = () => window.location.pathname;
const readSearch = () => window.location.search;

export function usePath(): string {
  return useLocationPart(readPath);
}

/** The query string (`?…` or ''): pages that keep their state in the address read it here. */
export function useSearch(): string {
  return useLocationPart(readSearch);
}

export function Link({ to, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...props} />;
}

export type Route =
  | { page: 'login' }
  | { page: 'invite'; token: string }
  | { page: 'projects' }
  | { page: 'project'; projectId: string }
  | { page: 'settings'; projectId: string }
  | { page: 'audit'; projectId: string }
  | { page: 'project-stats'; projectId: string }
  | { page: 'new-task'; projectId: string }
  | { page: 'task'; projectId: string; taskId: string }
  | { page: 'edit-task'; projectId: string; taskId: string }
  | { page: 'quarantine' }
  | { page: 'account' }
  | { page: 'users' }
  | { page: 'not-found' };

export function matchRoute(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'projects' };
  if (parts[0] === 'login' && parts.length === 1) return { page: 'login' };
  if (parts[0] === 'invite' && parts[1] && parts.length === 2) return { page: 'invite', token: parts[1] };
  if (parts[0] === 'admin' && parts[1] === 'quarantine' && parts.length === 2) return { page: 'quarantine' };
  if (parts[0] === 'account' && parts.length === 1) return { page: 'account' };
  if (parts[0] === 'admin' && parts[1] === 'users' && parts.length === 2) return { page: 'users' };
  if (parts[0] !== 'projects') return { page: 'not-found' };
  const [, projectId, section, taskId, action] = parts;
  if (!projectId) return { page: 'projects' };
  if (!section) return { page: 'project', projectId };
  if (section === 'settings' && !taskId) return { page: 'settings', projectId };
  if (section === 'audit' && !taskId) return { page: 'audit', projectId };
  if (section === 'stats' && !taskId) return { page: 'project-stats', projectId };
  if (section === 'tasks' && taskId === 'new' && !action) return { page: 'new-task', projectId };
  if (section === 'tasks' && taskId && !action) return { page: 'task', projectId, taskId };
  if (section === 'tasks' && taskId && action === 'edit') return { page: 'edit-task', projectId, taskId };
  return { page: 'not-found' };
}
