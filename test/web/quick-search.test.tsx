/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { hitPath, opensSearch, QuickSearch } from '../../web/src/components/QuickSearch';
import { renderWithQueries, stubFetch } from './render';

const task = { kind: 'task', id: 't-1', name: 'nightly-invoices', project_id: 'p-1', project_name: 'Billing', task_id: 't-1', status: null, scheduled_at: null };
const run = { kind: 'execution', id: 'e-42', name: 'nightly-invoices', project_id: 'p-1', project_name: 'Billing', task_id: 't-1', status: 'FAILED', scheduled_at: '2026-06-01T03:00:00Z' };

function answerSearch() {
  return stubFetch(({ url }) => {
    const u = new URL(url);
    if (u.pathname !== '/api/v1/search') return [404, { error: 'unexpected' }];
    const q = u.searchParams.get('q')!;
    const hits = q === 'e-42' ? [run] : 'nightly-invoices'.includes(q.toLowerCase()) ? [task] : [];
    return [200, { q, hits, truncated: false }];
  });
}

describe('the quick search', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
    window.scrollTo = () => {}; // jsdom has no layout; navigate() scrolls to the top
  });

  it('opens on / outside a field and on Ctrl/Cmd+K anywhere', () => {
    const input = document.createElement('input');
    const base = { ctrlKey: false, metaKey: false, altKey: false };
    expect(opensSearch({ ...base, key: '/', target: document.body })).toBe(true);
    expect(opensSearch({ ...base, key: '/', target: input })).toBe(false);
    expect(opensSearch({ ...base, key: 'k', ctrlKey: true, target: input })).toBe(true);
    expect(opensSearch({ ...base, key: 'K', metaKey: true, target: document.body })).toBe(true);
    expect(opensSearch({ ...base, key: 'k', target: document.body })).toBe(false);
    expect(hitPath(task as never)).toBe('/projects/p-1/tasks/t-1');
    expect(hitPath(run as never)).toBe('/projects/p-1/tasks/t-1?run=e-42');
  });

  it('jumps to a task by name with the keyboard, and to a run by its id', async () => {
    const requests = answerSearch();
    renderWithQueries(<QuickSearch />);
    fireEvent.keyDown(document.body, { key: '/' });
    const dialog = screen.getByRole('dialog', { name: 'Go to a project, task or run' });
    const box = screen.getByRole('combobox');
    expect(document.activeElement).toBe(box);
    expect(dialog.getAttribute('aria-modal')).toBe('true');

    fireEvent.change(box, { target: { value: 'NIGHT' } });
    expect((await screen.findByRole('option')).textContent).toContain('nightly-invoices');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(window.location.pathname).toBe('/projects/p-1/tasks/t-1'));
    expect(screen.queryByRole('dialog')).toBeNull();

    // Enter right after pasting, before the answer: it goes once the answer comes.
    fireEvent.keyDown(document.body, { key: 'k', ctrlKey: true });
    fireEvent.change(screen.getByRole('combobox'), { target: { value: 'e-42' } });
    fireEvent.keyDown(screen.getByRole('combobox'), { key: 'Enter' });
    await waitFor(() => expect(`${window.location.pathname}${window.location.search}`).toBe('/projects/p-1/tasks/t-1?run=e-42'));
    expect(requests.map((r) => new URL(r.url).searchParams.get('q'))).toEqual(['NIGHT', 'e-42']);
  });

  it('keeps focus inside, closes on Escape and gives focus back', async () => {
    answerSearch();
    renderWithQueries(<QuickSearch />);
    const opener = screen.getByRole('button', { name: /Search/ });
    opener.focus();
    fireEvent.keyDown(opener, { key: '/' });
    const box = screen.getByRole('combobox');
    const close = screen.getByRole('button', { name: 'Close' });
    close.focus();
    fireEvent.keyDown(close, { key: 'Tab' });
    expect(document.activeElement).toBe(box);
    fireEvent.keyDown(box, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(close);
    fireEvent.keyDown(close, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);

    fireEvent.change(document.body.appendChild(document.createElement('input')), { target: { value: '/' } });
    fireEvent.keyDown(document.querySelector('input')!, { key: '/' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
