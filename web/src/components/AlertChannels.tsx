import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, type Schemas, unwrap } from '../api/client';
import { idFromName } from '../format';
import { ConfirmButton, Empty, ErrorMessage, Loading } from './ui';

type ChannelType = Schemas['AlertChannelBody']['type'];
type TestResult = Schemas['AlertChannelTestResult'];

const TYPES: Array<{ type: ChannelType; label: string; url: string }> = [
  { type: 'slack', label: 'Slack', url: 'Incoming webhook URL' },
  { type: 'teams', label: 'Microsoft Teams', url: 'Workflow URL' },
  { type: 'discord', label: 'Discord', url: 'Webhook URL' },
  { type: 'pagerduty', label: 'PagerDuty', url: 'Events API URL (optional)' },
  { type: 'ntfy', label: 'ntfy', url: 'Server and topic URL' },
];

/** Channel ids are chosen here from the name: `Ops on Slack` → `ops-on-slack`. */
const idOf = (name: string) => idFromName(name, 'channel');

/**
 * The project's Slack, Teams, Discord, PagerDuty and ntfy channels (project admins). Secrets are
 * write-only: the list shows them masked, and "Send test alert" shows how the vendor answered.
 */
export function AlertChannels({ projectId }: { projectId: string }) {
  const id = useId();
  const queryClient = useQueryClient();
  const path = { params: { path: { project_id: projectId } } };
  const channels = useQuery({ queryKey: ['alert-channels', projectId], queryFn: () => unwrap(api.GET('/projects/{project_id}/alert-channels', path)) });
  const [type, setType] = useState<ChannelType>('slack');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [results, setResults] = useState<Record<string, TestResult>>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['alert-channels', projectId] });
  const add = useMutation({
    mutationFn: () => {
      const body: Schemas['AlertChannelBody'] = { type, name: name.trim() };
      if (url.trim()) body.url = url.trim();
      if (type === 'pagerduty') body.routing_key = secret.trim();
      if (type === 'ntfy' && secret.trim()) body.token = secret.trim();
      const params = { path: { project_id: projectId, channel_id: idOf(name) } };
      return unwrap(api.PUT('/projects/{project_id}/alert-channels/{channel_id}', { params, body }));
    },
    onSuccess: async () => {
      setName('');
      setUrl('');
      setSecret('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (channelId: string) => unwrap(api.DELETE('/projects/{project_id}/alert-channels/{channel_id}', { params: { path: { project_id: projectId, channel_id: channelId } } })),
    onSuccess: refresh,
  });
  const test = useMutation({
    mutationFn: async (channelId: string) => {
      const params = { path: { project_id: projectId, channel_id: channelId } };
      return { channelId, result: await unwrap(api.POST('/projects/{project_id}/alert-channels/{channel_id}/test', { params })) };
    },
    onSuccess: ({ channelId, result }) => setResults((all) => ({ ...all, [channelId]: result })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  const chosen = TYPES.find((t) => t.type === type)!;
  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Alert channels</h2>
      <p className="small muted">Each alert also goes to these, with its own retries. Webhook URLs, keys and tokens are never shown again.</p>
      {channels.isPending ? <Loading what="alert channels" /> : null}
      <ErrorMessage error={channels.error} title="Could not load the alert channels" />
      {channels.data?.data.length === 0 ? <Empty>No alert channels.</Empty> : null}
      <ul className="members">
        {channels.data?.data.map((channel) => {
          const result = results[channel.id];
          return (
            <li key={channel.id}>
              <span>
                <strong>{channel.name}</strong> <span className="badge">{TYPES.find((t) => t.type === channel.type)?.label ?? channel.type}</span>{' '}
                <span className="mono small">{channel.url ?? 'PagerDuty'}</span>
                {channel.routing_key ? <span className="mono small"> key {channel.routing_key}</span> : null}
              </span>
              <button type="button" onClick={() => test.mutate(channel.id)} disabled={test.isPending} aria-label={`Send test alert to ${channel.name}`}>
                Send test alert
              </button>
              <ConfirmButton label="Remove" question={`Remove the alert channel “${channel.name}”?`} onConfirm={() => remove.mutate(channel.id)} />
              {result ? (
                <span role="status" className={result.outcome === 'ok' ? 'badge badge-good' : 'badge badge-bad'}>
                  {result.outcome === 'ok' ? `Test alert delivered (${result.detail ?? 'ok'})` : `Test alert failed: ${result.outcome}${result.detail ? ` — ${result.detail}` : ''}`}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
      <ErrorMessage error={test.error} title="Could not send the test alert" />
      <ErrorMessage error={remove.error} title="Could not remove the channel" />
      <form onSubmit={submit} className="inline-form" aria-label="Add an alert channel">
        <label htmlFor={`${id}-type`}>Type</label>
        <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
          {TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-name`}>Channel name</label>
        <input id={`${id}-name`} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <label htmlFor={`${id}-url`}>{chosen.url}</label>
        <input id={`${id}-url`} type="url" required={type !== 'pagerduty'} autoComplete="off" value={url} onChange={(e) => setUrl(e.target.value)} />
        {type === 'pagerduty' || type === 'ntfy' ? (
          <>
            <label htmlFor={`${id}-secret`}>{type === 'pagerduty' ? 'Routing key' : 'Access token (optional)'}</label>
            <input id={`${id}-secret`} type="password" autoComplete="off" required={type === 'pagerduty'} value={secret} onChange={(e) => setSecret(e.target.value)} />
          </>
        ) : null}
        <button type="submit" disabled={add.isPending}>
          Add channel
        </button>
      </form>
      <ErrorMessage error={add.error} title="Could not add the channel" />
    </section>
  );
}
