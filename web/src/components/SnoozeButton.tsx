/**
 * Snoozes a task: no runs and no alerts until the chosen instant, then it resumes by itself (POST
 * …/snooze); while snoozed, says until when and offers to resume now (DELETE …/snooze).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, unwrap } from '../api/client';
import { useTimeDisplay } from '../time-rule';
import { ErrorMessage } from './ui';

const DURATIONS: Array<[string, number]> = [
  ['1 hour', 1],
  ['4 hours', 4],
  ['1 day', 24],
  ['3 days', 72],
  ['1 week', 168],
];

export function SnoozeButton({ projectId, taskId, ownZone }: { projectId: string; taskId: string; ownZone?: string }) {
  const times = useTimeDisplay();
  const id = useId();
  const queryClient = useQueryClient();
  const [hours, setHours] = useState(DURATIONS[0]![1]);
  const windows = useQuery({
    queryKey: ['maintenance-windows', projectId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/maintenance-windows', { params: { path: { project_id: projectId } } })),
  });
  const path = { params: { path: { project_id: projectId, task_uuid: taskId } } };
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['maintenance-windows', projectId] });
    await queryClient.invalidateQueries({ queryKey: ['task', taskId, 'preview'] });
  };
  const snooze = useMutation({
    mutationFn: () => unwrap(api.POST('/projects/{project_id}/tasks/{task_uuid}/snooze', { ...path, body: { until: new Date(Date.now() + hours * 3_600_000).toISOString() } })),
    onSuccess: refresh,
  });
  const resume = useMutation({
    mutationFn: () => unwrap(api.DELETE('/projects/{project_id}/tasks/{task_uuid}/snooze', path)),
    onSuccess: refresh,
  });
  const current = windows.data?.data.find((w) => w.window_id === `snooze-task-${taskId}` && w.end !== null && Date.parse(w.end) > Date.now());
  return (
    <span className="snooze">
      {current ? (
        <>
          <span role="status">Snoozed until {times.dateTime(current.end, ownZone)}</span>{' '}
          <button type="button" onClick={() => resume.mutate()} disabled={resume.isPending}>
            Resume now
          </button>
        </>
      ) : (
        <>
          <label htmlFor={`${id}-for`} className="visually-hidden">
            Snooze for
          </label>
          <select id={`${id}-for`} value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {DURATIONS.map(([label, h]) => (
              <option key={h} value={h}>
                {label}
              </option>
            ))}
          </select>{' '}
          <button type="button" onClick={() => snooze.mutate()} disabled={snooze.isPending}>
            {snooze.isPending ? 'Snoozing…' : 'Snooze'}
          </button>
        </>
      )}
      <ErrorMessage error={snooze.error ?? resume.error} title="Could not change the snooze" />
    </span>
  );
}
