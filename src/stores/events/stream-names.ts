import { InvalidStreamNameError } from '../../errors/store-errors';

/** `category-<id>`: no `-` inside the category, nothing starting with `$` (DESIGN.md, "Streams and events"). */
const STREAM_NAME = /^[a-z][a-z0-9]*-[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const MAX_STREAM_NAME = 200;

export function validateStreamName(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new InvalidStreamNameError(String(stream), 'empty');
  if (stream.length > MAX_STREAM_NAME) throw new InvalidStreamNameError(stream, `longer than ${MAX_STREAM_NAME} characters`);
  if (stream.startsWith('$')) throw new InvalidStreamNameError(stream, 'names starting with $ are reserved');
  if (!STREAM_NAME.test(stream)) throw new InvalidStreamNameError(stream, 'expected <category>-<id> with a lowercase category');
}

export function categoryOf(stream: string): string {
  return stream.slice(0, stream.indexOf('-'));
}

export function idOf(stream: string): string {
  return stream.slice(stream.indexOf('-') + 1);
}
