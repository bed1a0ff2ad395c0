/** Events a projection or process manager could not apply and set aside (super admins only). */
import { useQuery } from '@tanstack/react-query';
import { api, type Schemas, unwrap } from '../api/client';
import { Empty, ErrorMessage, Loading } from '../components/ui';
import { Link } from '../router';
import { useTimeDisplay } from '../time-rule';

export type QuarantinedEvent = Schemas['QuarantinedEventResponse'];

/** The quarantined events, refreshed every half minute (shared by the banner and the page). */
export function useQuarantine(enabled: boolean) {
  return useQuery({
    queryKey: ['admin', 'quarantine'],
    queryFn: () => unwrap(api.GET('/admin/quarantine')),
    enabled,
    refetchInterval: 30_000,
  });
}

/** Shown above every page to super admins while anything is quarantined. */
export function QuarantineBanner({ superAdmin }: { superAdmin: boolean }) {
  const quarantine = useQuarantine(superAdmin);
  const count = quarantine.data?.events.length ?? 0;
  if (count === 0) return null;
  return (
    <div className="error" role="alert" data-testid="quarantine-banner">
      <strong>{count === 1 ? '1 event is' : `${count} events are`} quarantined: </strong>
      some read models or process managers could not apply {count === 1 ? 'it' : 'them'} and went on without.{' '}
      <Link to="/admin/quarantine">See which</Link>
    </div>
  );
}

export function QuarantinePage({ superAdmin }: { superAdmin: boolean }) {
  const times = useTimeDisplay();
  const quarantine = useQuarantine(superAdmin);
  if (!superAdmin) return <p>Only a super admin may see quarantined events.</p>;
  if (quarantine.isPending) return <Loading what="quarantined events" />;
  if (quarantine.isError) return <ErrorMessage error={quarantine.error} title="Cannot load the quarantined events" />;
  const events = quarantine.data.events;
  return (
    <section>
      <h1>Quarantined events</h1>
      <p className="muted">
        Each of these events could not be applied by the projection or process manager named, which set it aside and went on
        with the others. What the event changed is missing there until it applies. After a fix, run{' '}
        <code>npm run projections -- retry-quarantined [name]</code> on the server: a projection is rebuilt beside the live one,
        a process manager applies the event again, and whatever now applies leaves this list.
      </p>
      {events.length === 0 ? (
        <Empty>Nothing is quarantined.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="tasks" aria-label="Quarantined events">
            <thead>
              <tr>
                <th scope="col">Consumer</th>
                <th scope="col">Event</th>
                <th scope="col">Stream</th>
                <th scope="col">Position</th>
                <th scope="col">Error</th>
                <th scope="col">Quarantined</th>
                <th scope="col">Alert</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>
                    {event.consumer} <span className="muted">({event.kind}{event.generation === null ? '' : `, generation ${event.generation}`})</span>
                  </td>
                  <td>{event.type}</td>
                  <td>
                    <code>{event.stream}</code> @ {event.revision}
                  </td>
                  <td>{event.position}</td>
                  <td>
                    <code>{event.error}</code>
                  </td>
                  <td>{times.dateTime(event.quarantined_at)}</td>
                  <td>{event.alert ?? 'sending…'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
