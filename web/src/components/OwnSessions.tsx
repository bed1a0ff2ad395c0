/** The signed-in person's open sessions: when each began and ends, which one is this one; end the others. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { useTimeDisplay } from '../time-rule';
import { ConfirmButton, ErrorMessage, Loading } from './ui';

const SESSIONS = ['own-sessions'];

export function OwnSessions() {
  const time = useTimeDisplay();
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: SESSIONS, queryFn: () => unwrap(api.GET('/auth/sessions')) });
  const end = useMutation({
    mutationFn: (sessionId: string) => unwrap(api.DELETE('/auth/sessions/{session_id}', { params: { path: { session_id: sessionId } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SESSIONS }),
  });
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Your sessions</h2>
      <p className="small muted">Each sign-in opens a session. End any you do not recognise; changing your password ends all but this one.</p>
      {sessions.isPending ? <Loading what="your sessions" /> : null}
      <ErrorMessage error={sessions.error} title="Could not load your sessions" />
      <ErrorMessage error={end.error} title="Could not end the session" />
      {sessions.data ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Signed in</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((session) => (
              <tr key={session.id} data-testid="own-session">
                <td data-label="Signed in">{time.dateTime(session.created_at)}</td>
                <td data-label="Expires">{time.dateTime(session.expires_at)}</td>
                <td>
                  {session.current ? (
                    <span className="badge">this session</span>
                  ) : (
                    <ConfirmButton
                      label="End session"
                      question={`End the session signed in at ${time.dateTime(session.created_at)}? Whoever uses it is signed out at once.`}
                      onConfirm={() => end.mutate(session.id)}
                      disabled={end.isPending}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
