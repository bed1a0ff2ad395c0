import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, type Schemas, unwrap } from '../api/client';
import { CopyField } from './CopyField';
import { ConfirmButton, ErrorMessage, Loading } from './ui';

type PublicLinksData = Schemas['PublicLinksResponse'];

/** A link's path: the preview image is loaded from this origin (PUBLIC_URL may name another one). */
const pathOf = (url: string) => new URL(url).pathname;

/**
 * The project's public badge and status page links (admins): copy them, replace them (every link in use
 * stops working), and choose whether the status page is shown and which tasks it lists.
 */
export function PublicLinks({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const key = ['public-links', projectId];
  const links = useQuery({ queryKey: key, queryFn: () => unwrap(api.GET('/projects/{project_id}/public-links', { params: { path: { project_id: projectId } } })) });
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/projects/{project_id}/public-links/rotate', { params: { path: { project_id: projectId } } })),
    onSuccess: (data) => queryClient.setQueryData(key, data),
  });
  return (
    <section className="card" aria-labelledby="public-links-title">
      <h2 id="public-links-title">Badges and status page</h2>
      <p className="small muted">Anyone with these links sees task states without logging in. Replacing them makes every link in use answer “not found”.</p>
      {links.isPending ? <Loading what="the links" /> : null}
      <ErrorMessage error={links.error} title="Could not load the links" />
      {links.data && links.data.urls === null ? (
        <button type="button" className="primary" onClick={() => rotate.mutate()} disabled={rotate.isPending}>
          Create public links
        </button>
      ) : null}
      {links.data?.urls ? <LinkList projectId={projectId} urls={links.data.urls} /> : null}
      {links.data?.urls ? (
        <ConfirmButton label="Replace links" question="Replace the public links? Every badge and status page link in use stops working at once." onConfirm={() => rotate.mutate()} disabled={rotate.isPending} />
      ) : null}
      <ErrorMessage error={rotate.error} title="Could not make the links" />
      {links.data?.urls ? <StatusPageSettings projectId={projectId} links={links.data} /> : null}
    </section>
  );
}

function LinkList({ projectId, urls }: { projectId: string; urls: NonNullable<PublicLinksData['urls']> }) {
  const id = useId();
  const tasks = useQuery({ queryKey: ['tasks', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } } })) });
  const [taskId, setTaskId] = useState('');
  const [tag, setTag] = useState('');
  const chosenTask = taskId || tasks.data?.[0]?.id || '';
  const tags = [...new Set(tasks.data?.flatMap((t) => t.tags) ?? [])].sort();
  const chosenTag = tag || tags[0] || '';
  return (
    <div className="public-links">
      <p>
        <img src={pathOf(urls.project_badge_svg)} alt="The project's badge" />
      </p>
      <CopyField label="Project badge (SVG)" value={urls.project_badge_svg} />
      <CopyField label="Project badge (Shields endpoint)" value={`https://img.shields.io/endpoint?url=${encodeURIComponent(urls.project_badge_json)}`} />
      <CopyField label="Status page" value={urls.status_page} />
      {chosenTask ? (
        <>
          <label htmlFor={`${id}-task`}>Badge of a task</label>
          <select id={`${id}-task`} value={chosenTask} onChange={(e) => setTaskId(e.target.value)}>
            {tasks.data?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          <CopyField label="Task badge (SVG)" value={urls.task_badge_svg.replace('{task_id}', chosenTask)} />
          <CopyField label="Task badge (JSON)" value={urls.task_badge_json.replace('{task_id}', chosenTask)} />
        </>
      ) : null}
      {chosenTag ? (
        <>
          <label htmlFor={`${id}-tag`}>Badge of a tag</label>
          <select id={`${id}-tag`} value={chosenTag} onChange={(e) => setTag(e.target.value)}>
            {tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <CopyField label="Tag badge (SVG)" value={urls.tag_badge_svg.replace('{tag}', chosenTag)} />
          <CopyField label="Tag badge (JSON)" value={urls.tag_badge_json.replace('{tag}', chosenTag)} />
        </>
      ) : null}
    </div>
  );
}

function StatusPageSettings({ projectId, links }: { projectId: string; links: PublicLinksData }) {
  const id = useId();
  const queryClient = useQueryClient();
  const tasks = useQuery({ queryKey: ['tasks', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/tasks', { params: { path: { project_id: projectId } } })) });
  const [enabled, setEnabled] = useState(links.status_page.enabled);
  const [chosen, setChosen] = useState<string[]>(links.status_page.task_ids);
  useEffect(() => {
    setEnabled(links.status_page.enabled);
    setChosen(links.status_page.task_ids);
  }, [links]);
  const save = useMutation({
    mutationFn: () =>
      unwrap(api.PUT('/projects/{project_id}/public-links/status-page', { params: { path: { project_id: projectId } }, body: { enabled, task_ids: chosen } })),
    onSuccess: (data) => queryClient.setQueryData(['public-links', projectId], data),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const toggle = (taskId: string, on: boolean) => setChosen(on ? [...chosen, taskId] : chosen.filter((t) => t !== taskId));
  return (
    <form onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Public status page</h3>
      <span className="checkbox-row">
        <input id={`${id}-enabled`} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <label htmlFor={`${id}-enabled`}>Show the status page</label>
      </span>
      <fieldset>
        <legend>Tasks it lists</legend>
        {tasks.data?.map((task) => (
          <span className="checkbox-row" key={task.id}>
            <input id={`${id}-${task.id}`} type="checkbox" checked={chosen.includes(task.id)} onChange={(e) => toggle(task.id, e.target.checked)} />
            <label htmlFor={`${id}-${task.id}`}>{task.name}</label>
          </span>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={save.isPending}>
        Save status page
      </button>
      {save.isSuccess ? <span className="small"> Saved.</span> : null}
      <ErrorMessage error={save.error} title="Could not save the status page" />
    </form>
  );
}
