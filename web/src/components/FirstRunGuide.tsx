/** What the project page shows while the project has no task: how to get a first run in, in two minutes. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { firstRunSnippets } from '../first-run-snippets';
import type { Access } from '../session';
import { CopyOnce } from './CopyOnce';
import { CopyLine } from './PingSnippets';
import { ErrorMessage } from './ui';
import './FirstRunGuide.css';

/** The scope the snippets need: creating the task (edit) and reporting its runs. */
const GUIDE_KEY = { name: 'first run', scope: 'write' as const };

export function FirstRunGuide({ projectId, access }: { projectId: string; access: Access }) {
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/projects/{project_id}/api-keys', { params: { path: { project_id: projectId } }, body: GUIDE_KEY })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['api-keys', projectId] }),
  });
  const snippets = firstRunSnippets(window.location.origin, projectId, create.data?.api_key);
  return (
    <section className="card first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">No tasks yet: your first run in two minutes</h2>
      <p>A job that runs on your own cron or CI reports its runs here. Run these in a shell; the run appears on this page as it happens (and this guide gives way to the task list, so keep the key).</p>
      <h3>1. An API key</h3>
      {access.isAdmin ? (
        create.data ? (
          <CopyOnce label={`API key “${create.data.name}” (${create.data.scope})`} value={create.data.api_key} />
        ) : (
          <p>
            <button type="button" className="primary" onClick={() => create.mutate()} disabled={create.isPending}>
              Create an API key for these commands
            </button>{' '}
            <span className="small muted">scope write: creates tasks and reports their runs. It is filled into the commands below and shown only once.</span>
          </p>
        )
      ) : (
        <p className="notice">Only a project admin can create an API key: ask one for a key with the write scope, and put it where the commands say &lt;api-key&gt;.</p>
      )}
      <ErrorMessage error={create.error} title="Could not create the key" />
      <h3>2. The task</h3>
      <CopyLine label={snippets.createTask.label} value={snippets.createTask.value} />
      <h3>3. A run</h3>
      {snippets.ways.map((snippet) => (
        <CopyLine key={snippet.label} label={snippet.label} value={snippet.value} />
      ))}
      {access.canEdit ? <p className="small muted">Or create a task here with “New task”.</p> : null}
    </section>
  );
}
