import type { ChannelMessage } from './channel-message';

/**
 * A Teams channel workflow ("Post to a channel when a webhook request is received"): a message with
 * one Adaptive Card attachment (schema version 1.4, what Teams renders).
 */
export function teamsPayload(message: ChannelMessage): Record<string, unknown> {
  const body: Array<Record<string, unknown>> = [
    { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: message.headline, wrap: true },
    { type: 'FactSet', facts: message.facts.map((f) => ({ title: f.label, value: f.value })) },
  ];
  if (message.logs.length > 0) body.push({ type: 'TextBlock', text: message.logs.join('\n\n'), fontType: 'Monospace', wrap: true, size: 'Small' });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions: [{ type: 'Action.OpenUrl', title: 'Open in Cron Observer', url: message.link }],
        },
      },
    ],
  };
}
