import type { ChannelMessage } from './channel-message';

/** Slack's limits (Block Kit): a header's text 150 characters, a section's 3,000. */
const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Slack incoming webhook: `text` (the notification and fallback) and Block Kit `blocks`. */
export function slackPayload(message: ChannelMessage): Record<string, unknown> {
  const facts = message.facts.map((f) => `*${f.label}:* ${f.value}`).join('\n');
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: cut(message.title, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`${message.headline}\n${facts}`, 3000) } },
  ];
  if (message.logs.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`\`\`\`${message.logs.join('\n')}\`\`\``, 3000) } });
  blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Cron Observer' }, url: message.link }] });
  return { text: cut(`${message.title}: ${message.headline}`, 3000), blocks };
}
