/**
 * What each vendor documents its incoming payload to be, as small checkers: a list of problems, empty
 * when the payload is one the vendor accepts. Sources: Slack "Sending messages using incoming webhooks"
 * and Block Kit reference; Discord "Execute Webhook" and the Embed object limits; Microsoft Teams
 * workflows ("Post to a channel when a webhook request is received") with Adaptive Card schema 1.x;
 * PagerDuty Events API v2 "Send an Alert Event"; ntfy "Publish as JSON".
 */
export type VendorFormat = 'slack' | 'discord' | 'teams' | 'pagerduty' | 'ntfy';

type Json = Record<string, any>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown, max = Infinity): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isIso = (v: unknown): boolean => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v) && !Number.isNaN(Date.parse(v));
const isUrl = (v: unknown): boolean => {
  try {
    return typeof v === 'string' && ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

function slack(body: Json): string[] {
  const problems: string[] = [];
  if (!isString(body.text, 40_000)) problems.push('text: a non-empty string is the notification fallback');
  if (body.blocks === undefined) return problems;
  if (!Array.isArray(body.blocks) || body.blocks.length > 50) return [...problems, 'blocks: an array of at most 50 blocks'];
  body.blocks.forEach((block: Json, i: number) => {
    const text = block.text as Json | undefined;
    switch (block.type) {
      case 'header':
        if (text?.type !== 'plain_text' || !isString(text.text, 150)) problems.push(`blocks[${i}]: a header holds plain_text of at most 150 characters`);
        break;
      case 'section':
        if (!['mrkdwn', 'plain_text'].includes(text?.type) || !isString(text?.text, 3000)) problems.push(`blocks[${i}]: a section's text is mrkdwn or plain_text, 1 to 3000 characters`);
        break;
      case 'actions':
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) problems.push(`blocks[${i}]: actions hold 1 to 25 elements`);
        for (const e of block.elements ?? []) {
          if (e.type !== 'button' || e.text?.type !== 'plain_text' || !isString(e.text?.text, 75) || (e.url !== undefined && !isUrl(e.url))) problems.push(`blocks[${i}]: a button has plain_text of at most 75 characters and an http(s) url`);
        }
        break;
      default:
        problems.push(`blocks[${i}]: unexpected block type ${String(block.type)}`);
    }
  });
  return problems;
}

function discord(body: Json): string[] {
  const problems: string[] = [];
  if (body.content === undefined && body.embeds === undefined) problems.push('content or embeds is required');
  if (body.content !== undefined && !isString(body.content, 2000)) problems.push('content: at most 2000 characters');
  const embeds = body.embeds ?? [];
  if (!Array.isArray(embeds) || embeds.length > 10) return [...problems, 'embeds: at most 10'];
  let total = 0;
  embeds.forEach((e: Json, i: number) => {
    if (e.title !== undefined && !isString(e.title, 256)) problems.push(`embeds[${i}].title: at most 256 characters`);
    if (e.description !== undefined && !isString(e.description, 4096)) problems.push(`embeds[${i}].description: at most 4096 characters`);
    if (e.url !== undefined && !isUrl(e.url)) problems.push(`embeds[${i}].url: an http(s) URL`);
    if (e.color !== undefined && !(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff)) problems.push(`embeds[${i}].color: an integer RGB value`);
    if (e.timestamp !== undefined && !isIso(e.timestamp)) problems.push(`embeds[${i}].timestamp: ISO 8601`);
    const fields = e.fields ?? [];
    if (!Array.isArray(fields) || fields.length > 25) problems.push(`embeds[${i}].fields: at most 25`);
    for (const f of fields) {
      if (!isString(f.name, 256) || !isString(f.value, 1024)) problems.push(`embeds[${i}].fields: name 1-256 and value 1-1024 characters`);
      total += (f.name?.length ?? 0) + (f.value?.length ?? 0);
    }
    if (e.footer !== undefined && !isString(e.footer?.text, 2048)) problems.push(`embeds[${i}].footer.text: at most 2048 characters`);
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text?.length ?? 0);
  });
  if (total > 6000) problems.push('embeds: at most 6000 characters in all');
  return problems;
}

const CARD_ELEMENTS = new Set(['TextBlock', 'FactSet', 'Container', 'ColumnSet', 'Image', 'RichTextBlock']);

function teams(body: Json): string[] {
  const problems: string[] = [];
  if (body.type !== 'message') problems.push('type: must be "message"');
  if (!Array.isArray(body.attachments) || body.attachments.length !== 1) return [...problems, 'attachments: exactly one card'];
  const attachment = body.attachments[0] as Json;
  if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive') problems.push('attachments[0].contentType: application/vnd.microsoft.card.adaptive');
  const card = attachment.content as Json;
  if (!isObject(card) || card.type !== 'AdaptiveCard') return [...problems, 'attachments[0].content: an AdaptiveCard'];
  if (typeof card.version !== 'string' || !/^1\.[0-6]$/.test(card.version)) problems.push('version: an Adaptive Card schema version 1.0-1.6');
  if (!Array.isArray(card.body)) return [...problems, 'body: an array of elements'];
  card.body.forEach((el: Json, i: number) => {
    if (!CARD_ELEMENTS.has(el.type)) problems.push(`body[${i}]: unknown element ${String(el.type)}`);
    if (el.type === 'TextBlock' && typeof el.text !== 'string') problems.push(`body[${i}]: a TextBlock needs text`);
    if (el.type === 'FactSet' && (!Array.isArray(el.facts) || el.facts.some((f: Json) => typeof f.title !== 'string' || typeof f.value !== 'string'))) {
      problems.push(`body[${i}]: a FactSet holds facts of string title and value`);
    }
  });
  for (const action of card.actions ?? []) {
    if (action.type !== 'Action.OpenUrl' || !isUrl(action.url) || typeof action.title !== 'string') problems.push('actions: Action.OpenUrl with a title and an http(s) url');
  }
  return problems;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];

function pagerduty(body: Json): string[] {
  const problems: string[] = [];
  if (!isString(body.routing_key, 64)) problems.push('routing_key: required');
  if (!['trigger', 'acknowledge', 'resolve'].includes(body.event_action)) problems.push('event_action: trigger, acknowledge or resolve');
  if (body.dedup_key !== undefined && !isString(body.dedup_key, 255)) problems.push('dedup_key: at most 255 characters');
  if (body.event_action !== 'trigger') {
    if (!isString(body.dedup_key)) problems.push('dedup_key: required to acknowledge or resolve');
    return problems;
  }
  const p = body.payload as Json | undefined;
  if (!isObject(p)) return [...problems, 'payload: required to trigger'];
  if (!isString(p.summary, 1024)) problems.push('payload.summary: 1 to 1024 characters');
  if (!isString(p.source, 255)) problems.push('payload.source: required');
  if (!SEVERITIES.includes(p.severity)) problems.push('payload.severity: critical, error, warning or info');
  if (p.timestamp !== undefined && !isIso(p.timestamp)) problems.push('payload.timestamp: ISO 8601');
  if (p.custom_details !== undefined && !isObject(p.custom_details)) problems.push('payload.custom_details: an object');
  for (const link of body.links ?? []) if (!isUrl(link.href)) problems.push('links: each has an http(s) href');
  return problems;
}

function ntfy(body: Json): string[] {
  const problems: string[] = [];
  if (typeof body.topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(body.topic)) problems.push('topic: 1 to 64 of A-Z a-z 0-9 _ -');
  if (body.message !== undefined && typeof body.message !== 'string') problems.push('message: a string');
  if (body.title !== undefined && typeof body.title !== 'string') problems.push('title: a string');
  if (body.priority !== undefined && !(Number.isInteger(body.priority) && body.priority >= 1 && body.priority <= 5)) problems.push('priority: 1 to 5');
  if (body.tags !== undefined && (!Array.isArray(body.tags) || body.tags.some((t: unknown) => typeof t !== 'string'))) problems.push('tags: an array of strings');
  if (body.click !== undefined && !isUrl(body.click)) problems.push('click: a URL');
  return problems;
}

const CHECKERS: Record<VendorFormat, (body: Json) => string[]> = { slack, discord, teams, pagerduty, ntfy };

export function vendorProblems(format: VendorFormat, body: unknown): string[] {
  return isObject(body) ? CHECKERS[format](body) : ['the body is not a JSON object'];
}
