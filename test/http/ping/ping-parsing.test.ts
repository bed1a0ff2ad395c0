import { PING_BODY_LIMIT, pingBodyLines } from '../../../src/http/ping/ping-body';
import { parsePingPath } from '../../../src/http/ping/ping-path';
import { slugOf } from '../../../src/commands/flows/ping-slug';

const UUID = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278';

describe('ping paths, in the order Healthchecks matches them', () => {
  it.each([
    [UUID, { kind: 'uuid', uuid: UUID, signal: { kind: 'success' } }],
    [`${UUID}/`, { kind: 'uuid', uuid: UUID, signal: { kind: 'success' } }],
    [`${UUID}/start`, { kind: 'uuid', uuid: UUID, signal: { kind: 'start' } }],
    [`${UUID}/fail`, { kind: 'uuid', uuid: UUID, signal: { kind: 'fail' } }],
    [`${UUID}/log`, { kind: 'uuid', uuid: UUID, signal: { kind: 'log' } }],
    [`${UUID}/0`, { kind: 'uuid', uuid: UUID, signal: { kind: 'exit', status: 0 } }],
    [`${UUID}/255`, { kind: 'uuid', uuid: UUID, signal: { kind: 'exit', status: 255 } }],
    [`${UUID}/256`, { kind: 'bad' }],
    // Not an action: a ping key (the UUID) and a slug, as Healthchecks reads it.
    [`${UUID}/backup`, { kind: 'slug', pingKey: UUID, slug: 'backup', signal: { kind: 'success' } }],
    ['fqOOd6-F4MMNuCEnzTU01w/db-backup', { kind: 'slug', pingKey: 'fqOOd6-F4MMNuCEnzTU01w', slug: 'db-backup', signal: { kind: 'success' } }],
    ['key/db_backup/start', { kind: 'slug', pingKey: 'key', slug: 'db_backup', signal: { kind: 'start' } }],
    ['key/db-backup/7', { kind: 'slug', pingKey: 'key', slug: 'db-backup', signal: { kind: 'exit', status: 7 } }],
    ['key/DB-Backup', { kind: 'bad' }],
    ['key/db-backup/999', { kind: 'bad' }],
    ['key/db-backup/', { kind: 'none' }],
    ['key/db-backup/start/', { kind: 'none' }],
    ['key/db-backup/word', { kind: 'none' }],
    ['not-a-uuid', { kind: 'none' }],
    [UUID.toUpperCase(), { kind: 'none' }],
    ['', { kind: 'none' }],
    ['key/a%20b', { kind: 'none' }],
  ])('%s', (rest, expected) => {
    expect(parsePingPath(rest)).toEqual(expected);
  });
});

describe('the body as log lines', () => {
  const lines = (text: string | Buffer, dropped = 0) => pingBodyLines({ kept: Buffer.isBuffer(text) ? text : Buffer.from(text), dropped });

  it('is one line per text line, blank lines left out, CRLF too', () => {
    expect(lines('a\r\n\r\nb\n  \nc\n')).toEqual(['a', 'b', 'c']);
    expect(lines('')).toEqual([]);
  });

  it('keeps any bytes: invalid UTF-8 as U+FFFD, NUL replaced', () => {
    expect(lines(Buffer.from([0x48, 0xe9, 0x20, 0x00, 0x21]))).toEqual(['H\uFFFD \uFFFD!']);
  });

  it('splits a line longer than a log line may be', () => {
    const out = lines('x'.repeat(16 * 1024 * 2 + 5));
    expect(out.map((l) => l.length)).toEqual([16384, 16384, 5]);
  });

  it('packs many short lines so a body never exceeds what one request may log', () => {
    const out = lines('ab\n'.repeat(30_000));
    expect(out.length).toBeLessThan(1000);
    expect(out.join('\n')).toBe(Array(30_000).fill('ab').join('\n'));
    expect(Math.max(...out.map((l) => l.length))).toBeLessThanOrEqual(16 * 1024);
  });

  it('ends a cut body with how much was dropped', () => {
    expect(lines('kept', 123)).toEqual(['kept', `[ping body cut: 123 bytes beyond the first ${PING_BODY_LIMIT} were dropped]`]);
  });
});

describe('slugs, as Healthchecks makes them from a name', () => {
  it.each([
    ['Database Backup', 'database-backup'],
    ['  Nightly   DB -- backup ', 'nightly-db-backup'],
    ['Café crème', 'cafe-creme'],
    ['report_2026 (EU)', 'report_2026-eu'],
    ['__x__', 'x'],
  ])('%s → %s', (name, slug) => {
    expect(slugOf(name)).toBe(slug);
  });
});
