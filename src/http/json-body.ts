/**
 * The one parser of request bodies, used by express (every /api route) and by the report fast path.
 * Before JSON.parse runs, one linear scan of the raw text refuses what no store can hold and what
 * would break recursive code later (validation, hashing, serialising events): nesting deeper than
 * MAX_JSON_DEPTH, and NUL characters (`\u0000`) anywhere. Both answer 400 naming the field.
 */
import express, { type RequestHandler } from 'express';
import { ValidationError } from '../errors/app-error';
import { cut } from '../errors/quoted';

/** Largest request body accepted (bytes); log batches are the biggest legitimate requests. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Deepest nesting of arrays and objects a body may have; the body itself is level 1. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * The body a request's text stands for; an empty body is `{}` (as clients commonly send no body on
 * POST), and a leading byte-order mark is dropped (express's decoder drops it, so the fast path must too).
 */
export function parseJsonBody(raw: string): unknown {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.length === 0) return {};
  const refused = refusedAt(text);
  if (refused) {
    const field = fieldAt(text, refused.index);
    throw new ValidationError(refused.reason === 'depth' ? 'JSON body nested too deeply' : 'NUL character in the body', [
      refused.reason === 'depth' ? `${field}: nested more than ${MAX_JSON_DEPTH} levels deep` : `${field}: must not contain a NUL character (\\u0000)`,
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError('Malformed JSON body', [`body: ${jsonSyntaxProblem((err as Error).message)}`]);
  }
}

/**
 * The parser's explanation without the snippet of the body V8 quotes after an unexpected token
 * (`Unexpected token 's', ..."assword": supersecre"... is not valid JSON`): it may be part of a secret.
 */
export function jsonSyntaxProblem(message: string): string {
  return message.startsWith('Unexpected token') ? 'Unexpected token: not valid JSON' : cut(message, 120);
}

/** Express middleware: reads any body as text (any Content-Type, up to MAX_BODY_BYTES: else 413) and parses it. */
export function jsonBody(): RequestHandler {
  const text = express.text({ limit: MAX_BODY_BYTES, type: () => true, defaultCharset: 'utf-8' });
  return (req, res, next) => {
    // A body already read and parsed (by the report fast path) is left as it is, even a JSON string.
    const given: unknown = req.body;
    text(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (typeof req.body !== 'string' || req.body === given) return next();
      try {
        req.body = parseJsonBody(req.body);
        next();
      } catch (parseError) {
        next(parseError);
      }
    });
  };
}

/** The characters that open or close something; and, inside a string, its end or an escape. */
const STRUCTURE = /["[\]{}]/g;
const STRING_END_OR_ESCAPE = /["\\]/g;
const OPENING = /[[{]/g;

/**
 * Where the text first nests too deeply or holds an escaped NUL, or null. Cheap: the regular
 * expressions jump from one structural character to the next (long strings cost almost nothing), and
 * nothing is allocated per character. On malformed JSON it may stop early or not at all; JSON.parse
 * then reports. (A raw NUL is not valid JSON, so JSON.parse refuses it.)
 */
function refusedAt(text: string): { index: number; reason: 'depth' | 'nul' } | null {
  // Most bodies (an executor's report) open fewer containers than the limit and hold no NUL: done.
  if (!text.includes('\\u0000') && fewOpenings(text)) return null;
  let depth = 0;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match; match = STRUCTURE.exec(text)) {
    const c = text.charCodeAt(match.index);
    if (c === QUOTE) {
      const end = stringEnd(text, match.index + 1);
      if (end.nulAt >= 0) return { index: end.nulAt, reason: 'nul' };
      if (end.index < 0) return null;
      STRUCTURE.lastIndex = end.index + 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_JSON_DEPTH) return { index: match.index, reason: 'depth' };
    } else depth--;
  }
  return null;
}

/** Whether the text opens at most MAX_JSON_DEPTH arrays and objects in all (brackets in strings count too). */
function fewOpenings(text: string): boolean {
  OPENING.lastIndex = 0;
  for (let count = 0; OPENING.exec(text); count++) if (count === MAX_JSON_DEPTH) return false;
  return true;
}

/** The closing quote of the string that starts at `from` (-1: none), or the first escaped NUL in it. */
function stringEnd(text: string, from: number): { index: number; nulAt: number } {
  STRING_END_OR_ESCAPE.lastIndex = from;
  for (let match = STRING_END_OR_ESCAPE.exec(text); match; match = STRING_END_OR_ESCAPE.exec(text)) {
    if (text.charCodeAt(match.index) === QUOTE) return { index: match.index, nulAt: -1 };
    if (text.startsWith('u0000', match.index + 1)) return { index: -1, nulAt: match.index };
    STRING_END_OR_ESCAPE.lastIndex = match.index + 2;
  }
  return { index: -1, nulAt: -1 };
}

type Frame = { kind: 'object'; key: string | null; expectKey: boolean } | { kind: 'array'; index: number };

/** Segments of a path named in full; a longer one is cut in the middle. */
const NAMED_SEGMENTS = 6;

/**
 * The field (e.g. `metadata.a.b[0]`) at `index` of the text, found by a second pass over what comes
 * before it; only run once a body is refused, so it may allocate.
 */
function fieldAt(text: string, index: number): string {
  const stack: Frame[] = [];
  let stringStart = -1;
  for (let i = 0; i < index; i++) {
    const c = text.charCodeAt(i);
    if (stringStart >= 0) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) {
        const top = stack[stack.length - 1];
        if (top?.kind === 'object' && top.expectKey) {
          top.key = keyText(text.slice(stringStart, i + 1));
          top.expectKey = false;
        }
        stringStart = -1;
      }
    } else if (c === QUOTE) stringStart = i;
    else if (c === OPEN_OBJECT) stack.push({ kind: 'object', key: null, expectKey: true });
    else if (c === OPEN_ARRAY) stack.push({ kind: 'array', index: 0 });
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) stack.pop();
    else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') top.expectKey = true;
    }
  }
  // A NUL inside a key names the object holding it.
  if (stringStart >= 0) {
    const top = stack[stack.length - 1];
    if (top?.kind === 'object' && top.expectKey) top.key = null;
  }
  const segments = stack.flatMap((frame) => (frame.kind === 'array' ? [`[${frame.index}]`] : frame.key === null ? [] : [frame.key]));
  const path = segments
    .slice(0, NAMED_SEGMENTS)
    .reduce((joined, segment) => (segment.startsWith('[') ? `${joined}${segment}` : joined ? `${joined}.${segment}` : segment), '');
  return `${path === '' || path.startsWith('[') ? `body${path}` : path}${segments.length > NAMED_SEGMENTS ? '…' : ''}`;
}

function keyText(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return quoted.slice(1, -1);
  }
}
