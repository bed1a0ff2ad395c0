import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { ConfirmButton, ErrorMessage, Loading } from './ui';

/**
 * The project's ping key, for Healthchecks-style slug URLs (`/ping/<key>/<slug>`, `?create=1` to create
 * the task on its first ping). Editors read it; admins make or replace it.
 */
export function PingKeySettings({ projectId, canRotate }: { projectId: string; canRotate: boolean }) {
  const queryClient = useQueryClient();
  const key = useQuery({
    queryKey: ['ping-key', projectId],
    queryFn: () => unwrap(api.GET('/projects/{project_id}/ping-key', { params: { path: { project_id: projectId } } })),
  });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/projects/{project_id}/ping-key/rotate', { params: { path: { project_id: projectId } } })),
    onSuccess: (saved) => queryClient.setQueryData(['ping-key', projectId], saved),
  });
  return (
    <section className="card" aria-labelledby="ping-key-title">
      <h2 id="ping-key-title">Ping key</h2>
      <p className="small muted">
        Ping tasks by slug, as with Healthchecks: <code>/ping/&lt;ping key&gt;/&lt;slug&gt;</code>, where the slug is the task&apos;s name in lowercase
        with spaces as <code>-</code>. Add <code>?create=1</code> to create a task on its first ping.
      </p>
      {key.isPending ? (
        <Loading what="the ping key" />
      ) : key.isError ? (
        <ErrorMessage error={key.error} title="Could not load the ping key" />
      ) : key.data.ping_url_base ? (
        <p>
          <code className="mono" data-testid="ping-url-base">
            {key.data.ping_url_base}&lt;slug&gt;
          </code>
        </p>
      ) : (
        <p>No ping key yet.</p>
      )}
      {canRotate ? (
        <ConfirmButton
          className=""
          label={key.data?.ping_key ? 'Replace ping key' : 'Create ping key'}
          question="Make a new ping key? Slug URLs with the current key stop working at once."
          onConfirm={() => rotate.mutate()}
          disabled={rotate.isPending}
        />
      ) : null}
      <ErrorMessage error={rotate.error} title="Could not make a ping key" />
    </section>
  );
}
