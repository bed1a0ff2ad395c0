import type { ChannelMessage } from './channel-message';

/**
 * ntfy's JSON publishing: POSTed to the server's root with the topic in the body (headers cannot carry
 * UTF-8 task names). The channel's URL is `https://server[/path]/topic`.
 */
export function ntfyRequest(message: ChannelMessage, topicUrl: string): { url: string; body: Record<string, unknown> } {
  const url = new URL(topicUrl);
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const topic = segments.pop() ?? '';
  url.pathname = `/${segments.join('/')}`;
  url.search = '';
  const tags = message.kind === 'recovery' ? ['white_check_mark'] : message.kind === 'test' ? ['test_tube'] : ['rotating_light'];
  const logs = message.logs.length > 0 ? `\n\n${message.logs.join('\n')}` : '';
  return {
    url: url.toString(),
    body: {
      topic,
      title: message.title,
      message: `${message.headline}\n${message.facts.map((f) => `${f.label}: ${f.value}`).join('\n')}${logs}`.slice(0, 4000),
      priority: message.kind === 'failure' || message.kind === 'realert' ? 4 : 3,
      tags,
      click: message.link,
    },
  };
}
