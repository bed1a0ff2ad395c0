/**
 * Live updates: the project's server-sent events (GET /projects/{id}/events, authenticated by the
 * session cookie). Each message makes the queries it concerns fetch again, so what the page shows is
 * always what the API answers; EventSource reconnects by itself after a drop.
 */
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export function invalidateFor(queryClient: QueryClient, event: string, data: Record<string, unknown>): void {
  const taskId = data.task_id as string | undefined;
  const executionId = data.execution_id as string | undefined;
  switch (event) {
    case 'execution':
      void queryClient.invalidateQueries({ queryKey: ['history', taskId] });
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
      void queryClient.invalidateQueries({ queryKey: ['task', taskId] });
      void queryClient.invalidateQueries({ queryKey: ['execution', executionId] });
      void queryClient.invalidateQueries({ queryKey: ['audit', taskId] });
      // The project overview refetches that task's row only, never the whole list.
      void queryClient.invalidateQueries({ queryKey: ['overview-row', taskId] });
      break;
    case 'logs':
      void queryClient.invalidateQueries({ queryKey: ['logs', executionId] });
      break;
    case 'stats':
      void queryClient.invalidateQueries({ queryKey: ['stats'] });
      void queryClient.invalidateQueries({ queryKey: ['calendar'] });
      break;
    case 'task':
      void queryClient.invalidateQueries({ queryKey: ['overview-row', taskId] });
      // A task that comes or goes changes the overview's list (rare: task events, not runs).
      if (data.type === 'TaskCreated' || data.type === 'TaskDeletionRequested') void queryClient.invalidateQueries({ queryKey: ['overview', data.project_id] });
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
      void queryClient.invalidateQueries({ queryKey: ['task', taskId] });
      void queryClient.invalidateQueries({ queryKey: ['audit', taskId] });
      break;
  }
}

export function useLiveUpdates(projectId: string | undefined): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!projectId || typeof EventSource === 'undefined') {
      setState('unavailable');
      return;
    }
    const source = new EventSource(`/api/v1/projects/${encodeURIComponent(projectId)}/events`, { withCredentials: true });
    setState('connecting');
    const handler = (name: string) => (message: MessageEvent<string>) => {
      try {
        invalidateFor(queryClient, name, JSON.parse(message.data) as Record<string, unknown>);
      } catch {
        // A malformed message changes nothing on the page.
      }
    };
    let connectedBefore = false;
    source.addEventListener('ready', () => {
      // After a reconnection, messages may have been missed while away: read everything again.
      if (connectedBefore) void queryClient.invalidateQueries();
      connectedBefore = true;
      setState('live');
    });
    for (const name of ['execution', 'logs', 'stats', 'task']) source.addEventListener(name, handler(name) as EventListener);
    source.addEventListener('revoked', () => {
      // Access ended (logged out elsewhere, password changed, removed from the project): stop
      // reconnecting, and read again, which shows the page what the API now answers.
      source.close();
      setState('unavailable');
      void queryClient.invalidateQueries();
    });
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'unavailable' : 'reconnecting');
    return () => source.close();
  }, [projectId, queryClient]);
  return state;
}
