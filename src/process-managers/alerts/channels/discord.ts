import type { ChannelMessage } from './channel-message';

const cut = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const COLOURS = { failure: 0xd93025, realert: 0xe37400, recovery: 0x188038, long_running: 0xe37400, slow: 0xe37400, late_start: 0xe37400, test: 0x1a73e8 } as const;

/**
 * Discord webhook: `content` and one embed (limits: content 2,000, title 256, description 4,096, field
 * name 256 and value 1,024). Mentions are turned off: a task's output must never ping anyone.
 */
export function discordPayload(message: ChannelMessage): Record<string, unknown> {
  const logs = message.logs.length > 0 ? `\n\`\`\`\n${message.logs.join('\n')}\n\`\`\`` : '';
  return {
    content: cut(message.title, 2000),
    embeds: [
      {
        title: cut(message.headline, 256),
        description: cut(`${message.headline}${logs}`, 4096),
        url: message.link,
        color: COLOURS[message.kind],
        fields: message.facts.slice(0, 25).map((f) => ({ name: cut(f.label, 256), value: cut(f.value || '-', 1024), inline: f.label !== 'Error' })),
        timestamp: message.timestamp,
        footer: { text: `Cron Observer alert ${message.alertId}` },
      },
    ],
    allowed_mentions: { parse: [] },
  };
}
