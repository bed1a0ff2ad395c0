import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_SCHEMAS } from '../../src/events/event-schemas';

/** The README's table of events lists every type in the registry, with the version new events are written with. */
test('the README lists every event type with its current schema version', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Events and their versions'), readme.indexOf('Changes of shape so far'));
  const listed = new Map<string, number>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    for (const [, type, version] of row.matchAll(/`([A-Z][A-Za-z]+)` v(\d+)/g)) listed.set(type!, Number(version));
  }
  expect(Object.fromEntries([...listed].sort())).toEqual(
    Object.fromEntries(Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [type, schema.version]).sort()),
  );
});
