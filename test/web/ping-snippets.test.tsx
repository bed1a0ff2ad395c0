/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { PingKeySettings } from '../../web/src/components/PingKeySettings';
import { PingSnippets } from '../../web/src/components/PingSnippets';
import { renderWithQueries, stubFetch } from './render';

const URL = 'https://cron.example.com/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';

describe('ping URL snippets', () => {
  it("shows the task's ping URL, a crontab line, a wrapper and the CLI, each with the task's own URL", () => {
    render(<PingSnippets pingUrl={URL} projectId="p-1" taskName="nightly-backup" />);
    const snippets = screen.getAllByTestId('ping-snippet').map((s) => s.textContent);
    expect(snippets).toEqual([
      URL,
      `0 3 * * * /path/to/job.sh; curl -fsS -m 10 --retry 5 -o /dev/null ${URL}/$?`,
      `curl -fsS -m 10 --retry 5 -o /dev/null ${URL}/start; m=$(/path/to/job.sh 2>&1); curl -fsS -m 10 --retry 5 -o /dev/null --data-raw "$m" ${URL}/$?`,
      'cron-observer exec --task nightly-backup --project p-1 -- /path/to/job.sh',
    ]);
  });

  it('quotes a task name the shell would split', () => {
    render(<PingSnippets pingUrl={URL} projectId="p-1" taskName="Bob's backup" />);
    expect(screen.getAllByTestId('ping-snippet').at(-1)!.textContent).toBe(`cron-observer exec --task 'Bob'\\''s backup' --project p-1 -- /path/to/job.sh`);
  });

  it('copies a line to the clipboard', async () => {
    const writes: string[] = [];
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (text: string) => void writes.push(text) }, configurable: true });
    render(<PingSnippets pingUrl={URL} projectId="p-1" taskName="t" />);
    fireEvent.click(screen.getByRole('button', { name: 'Copy: Ping URL' }));
    await waitFor(() => expect(writes).toEqual([URL]));
  });
});

describe('ping key settings', () => {
  it('has no key at first; an admin makes one, and the slug URL base shows', async () => {
    let key: string | null = null;
    const requests = stubFetch((request) => {
      if (request.method === 'POST') key = 'fqOOd6-F4MMNuCEnzTU01w';
      return [200, { ping_key: key, ping_url_base: key && `https://cron.example.com/ping/${key}/` }];
    });
    window.confirm = () => true;
    renderWithQueries(<PingKeySettings projectId="p-1" canRotate />);
    await screen.findByText('No ping key yet.');
    fireEvent.click(screen.getByRole('button', { name: 'Create ping key' }));
    expect((await screen.findByTestId('ping-url-base')).textContent).toBe('https://cron.example.com/ping/fqOOd6-F4MMNuCEnzTU01w/<slug>');
    expect(screen.getByRole('button', { name: 'Replace ping key' })).toBeTruthy();
    expect(requests.map((r) => `${r.method} ${new globalThis.URL(r.url).pathname}`)).toEqual(['GET /api/v1/projects/p-1/ping-key', 'POST /api/v1/projects/p-1/ping-key/rotate']);
  });

  it('lets an editor read the key but not replace it', async () => {
    stubFetch(() => [200, { ping_key: 'k', ping_url_base: 'https://cron.example.com/ping/k/' }]);
    renderWithQueries(<PingKeySettings projectId="p-1" canRotate={false} />);
    await screen.findByTestId('ping-url-base');
    expect(screen.queryByRole('button')).toBeNull();
  });
});
