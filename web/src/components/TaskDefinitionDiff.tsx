import { useQuery } from '@tanstack/react-query';
import { api, type Task, unwrap } from '../api/client';
import { ErrorMessage, Loading } from './ui';

/** The parts of a task that are its definition; run state and the last execution are not. */
const DEFINITION_FIELDS: Array<keyof Task> = [
  'name',
  'description',
  'task_group_id',
  'status',
  'schedule_type',
  'schedule_config',
  'timeout_seconds',
  'start_deadline_seconds',
  'execution_mode',
  'alert_policy',
  'metadata',
  'updated_at',
];

function shown(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 1);
}

export interface DefinitionRow {
  field: string;
  before: string;
  after: string;
  changed: boolean;
}

/** Field by field, the definition at each instant; a side that did not exist yet shows nothing. */
export function definitionRows(before: Task | null, after: Task | null): DefinitionRow[] {
  return DEFINITION_FIELDS.map((field) => {
    const a = before ? shown(before[field]) : '';
    const b = after ? shown(after[field]) : '';
    return { field, before: a, after: b, changed: a !== b };
  });
}

function useTaskAsOf(projectId: string, taskId: string, asOf: string) {
  return useQuery({
    queryKey: ['task-as-of', projectId, taskId, asOf],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks/{task_uuid}', { params: { path: { project_id: projectId, task_uuid: taskId }, query: { as_of: asOf } } })),
  });
}

/**
 * A task's definition at two instants side by side (GET …/tasks/{id}?as_of=), changed fields marked.
 * A side where the task did not exist yet (or no longer) says so instead of failing the page.
 */
export function TaskDefinitionDiff({ projectId, taskId, before, after }: { projectId: string; taskId: string; before: string; after: string }) {
  const left = useTaskAsOf(projectId, taskId, before);
  const right = useTaskAsOf(projectId, taskId, after);
  if (left.isPending || right.isPending) return <Loading what="the task's definitions" />;
  const missing = (error: unknown) => (error as { status?: number } | null)?.status === 404;
  const rows = definitionRows(left.data ?? null, right.data ?? null);
  return (
    <>
      {left.isError && !missing(left.error) ? <ErrorMessage error={left.error} title="Could not load the earlier definition" /> : null}
      {right.isError && !missing(right.error) ? <ErrorMessage error={right.error} title="Could not load the later definition" /> : null}
      <table className="diff" aria-label="Task definition compared">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">
              At <time dateTime={before}>{before}</time>
              {missing(left.error) ? <span className="muted small"> (did not exist)</span> : null}
            </th>
            <th scope="col">
              At <time dateTime={after}>{after}</time>
              {missing(right.error) ? <span className="muted small"> (did not exist)</span> : null}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.field} className={row.changed ? 'changed' : undefined} data-changed={row.changed ? 'true' : 'false'}>
              <th scope="row">
                {row.field}
                {row.changed ? <span className="visually-hidden"> (changed)</span> : null}
              </th>
              <td>
                <pre>{row.before}</pre>
              </td>
              <td>
                <pre>{row.after}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
