import { type QueryKey, useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api, type AuditEntry, type Schemas, unwrap } from '../api/client';
import { accessIn, useMe } from '../session';
import { useTimeDisplay } from '../time-rule';
import { Empty, ErrorMessage, Loading } from './ui';
import { overlapDecisionText } from './overlap-decision';

/** Names an event's actor: you, a system process, a key of the project (admins see key names), or the id. */
export function useActorName(projectId: string) {
  const me = useMe();
  const isAdmin = accessIn(me.data, projectId).isAdmin;
  const keys = useQuery({
    queryKey: ['api-keys', projectId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/api-keys', { params: { path: { project_id: projectId } } })),
    enabled: isAdmin,
  });
  return (entry: AuditEntry) => {
    if (entry.actor === me.data?.user.id) return 'you';
    if (entry.actor.startsWith('system:')) return `system (${entry.actor.slice(7)})`;
    const key = keys.data?.find((k) => k.id === entry.actor);
    return key ? `API key “${key.name}”` : `user or key ${entry.actor.slice(0, 8)}…`;
  };
}

/** Events of an aggregate's history, oldest first: when, what, and who (named for `projectId`'s members). */
export function AuditEntries({ entries, projectId, label, ownZone }: { entries: AuditEntry[]; projectId: string; label?: string; ownZone?: string | null }) {
  const actorName = useActorName(projectId);
  const times = useTimeDisplay();
  return (
    <ol className="timeline" aria-label={label}>
      {entries.map((entry) => (
        <li key={entry.position}>
          <time dateTime={entry.occurred_at}>{times.dateTime(entry.occurred_at, ownZone)}</time> <strong>{entry.type}</strong> <span className="muted">by {actorName(entry)}</span>
          {overlapDecisionText(entry) ? <span className="reason">: {overlapDecisionText(entry)}</span> : null}
        </li>
      ))}
    </ol>
  );
}

/** The first page (100 events) of an aggregate's history (a task's, a group's), oldest first, with who did what. */
export function AuditTimeline({
  projectId,
  queryKey,
  load,
  what,
  ownZone,
}: {
  projectId: string;
  queryKey: QueryKey;
  load: () => Promise<Schemas['AuditPageResponse']>;
  /** e.g. "the task's history". */
  what: string;
  /** The zone the history's owner lives in (the task's), for "the task's zone". */
  ownZone?: string | null;
}) {
  const id = useId();
  const audit = useQuery({ queryKey, queryFn: load });
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Audit timeline</h2>
      {audit.isPending ? <Loading what={what} /> : null}
      <ErrorMessage error={audit.error} title="Could not load the audit trail" />
      {audit.data?.data.length === 0 ? <Empty>No events recorded.</Empty> : null}
      {audit.data?.data.length ? <AuditEntries entries={audit.data.data} projectId={projectId} ownZone={ownZone} /> : null}
      {audit.data?.next_cursor ? <p className="small muted">Showing the first 100 events.</p> : null}
    </section>
  );
}
