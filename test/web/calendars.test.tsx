/**
 * @jest-environment ./test/web/jsdom-environment.js
 */
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { CalendarFields, type CalendarUse } from '../../web/src/components/CalendarFields';
import { CalendarSettings } from '../../web/src/components/ScheduleRulesSettings';
import { renderWithQueries, stubFetch } from './render';

const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261225\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

function serve() {
  let calendars = [{ calendar_id: 'holidays', name: 'Holidays', dates: ['2026-12-25', '2026-12-26'] }];
  return stubFetch(({ method, url, body }) => {
    const path = decodeURIComponent(new URL(url).pathname);
    if (method === 'GET' && path.endsWith('/projects/p1/calendars')) return [200, { data: calendars }];
    const imported = /\/calendars\/([^/]+)\/import$/.exec(path);
    if (method === 'POST' && imported) {
      const calendar = { calendar_id: imported[1]!, name: (body as { name: string }).name, dates: ['2026-12-25'] };
      calendars = [...calendars, calendar];
      return [200, calendar];
    }
    return [404, { error: `unexpected ${method} ${path}` }];
  });
}

describe('calendars in the dashboard', () => {
  it('imports an .ics file under an id made from its name, sending the file text', async () => {
    const requests = serve();
    renderWithQueries(<CalendarSettings projectId="p1" />);
    await screen.findByText('Holidays');
    fireEvent.change(screen.getByLabelText('Calendar name'), { target: { value: 'Bank holidays' } });
    const file = new File([ICS], 'holidays.ics', { type: 'text/calendar' });
    fireEvent.change(screen.getByLabelText('…or import an .ics file'), { target: { files: [file] } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add a calendar' }));
    await screen.findByText('Bank holidays');
    const post = requests.find((r) => r.method === 'POST')!;
    expect([new URL(post.url).pathname, post.body]).toEqual(['/api/v1/projects/p1/calendars/bank-holidays/import', { ics: ICS, timezone: 'UTC', name: 'Bank holidays' }]);
  });

  it('picks a calendar and its mode for a task (none: the group applies)', async () => {
    serve();
    const seen: Array<CalendarUse | null> = [];
    function Form() {
      const [value, setValue] = useState<CalendarUse | null>(null);
      return (
        <CalendarFields
          projectId="p1"
          value={value}
          onChange={(use) => {
            seen.push(use);
            setValue(use);
          }}
        />
      );
    }
    renderWithQueries(<Form />);
    await screen.findByRole('option', { name: 'Holidays (2 dates)' });
    fireEvent.change(screen.getByLabelText('Calendar (none: the group\'s, if any)'), { target: { value: 'holidays' } });
    fireEvent.change(screen.getByLabelText('On its dates'), { target: { value: 'only' } });
    fireEvent.change(screen.getByLabelText('Calendar (none: the group\'s, if any)'), { target: { value: '' } });
    await waitFor(() => expect(seen).toEqual([{ calendar_id: 'holidays', mode: 'skip' }, { calendar_id: 'holidays', mode: 'only' }, null]));
  });
});
