import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/** Shorter passwords are refused whatever their estimate. */
export const MIN_PASSWORD_LENGTH = 12;
/** zxcvbn's score 3: "safely unguessable", about 10^8 guesses or more. */
export const MIN_PASSWORD_SCORE = 3;

/**
 * Only the start of a password is estimated, and l33t substitutions are tried up to a point: with the
 * library's defaults (256 characters, 100 substitutions) some inputs take seconds of CPU, on the
 * thread that answers every request; with these, tens of milliseconds. A password is no weaker than
 * its start.
 */
const ESTIMATED_CHARACTERS = 64;
const L33T_SUBSTITUTIONS = 10;

let estimator: ZxcvbnFactory | null = null;

/**
 * The estimator with its dictionaries (about 0.25 s and 60-100 MB to build), built on first use and
 * kept: a process that never sets a password never loads them. The packages themselves are loaded here
 * too: the dictionaries are decompressed as they load, a few hundred ms of every start otherwise.
 */
function zxcvbn(): ZxcvbnFactory {
  if (estimator) return estimator;
  const core = require('@zxcvbn-ts/core') as typeof import('@zxcvbn-ts/core');
  const common = require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const english = require('@zxcvbn-ts/language-en') as typeof import('@zxcvbn-ts/language-en');
  estimator = new core.ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...english.dictionary },
    graphs: common.adjacencyGraphs,
    translations: english.translations,
    maxLength: ESTIMATED_CHARACTERS,
    l33tMaxSubstitutions: L33T_SUBSTITUTIONS,
  });
  return estimator;
}

/**
 * Why `password` may not be set, naming `field` and the rule and passing on the estimator's advice;
 * null when it is strong enough. Never quotes the password. `related` are the account's own words
 * (email, name), which make a password weaker when it contains them.
 */
export function passwordProblem(field: string, password: string, related: string[] = []): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `${field}: must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  // Each word of a name or an address as well as the whole: `Ada Lovelace` also makes `lovelace1815` weak.
  const words = related.flatMap((text) => [text, ...text.split(/[^\p{L}\p{N}]+/u)]).filter((word) => word.length >= 3);
  const { score, feedback } = zxcvbn().check(password, words);
  if (score >= MIN_PASSWORD_SCORE) return null;
  const advice = [feedback.warning, ...feedback.suggestions].filter((line): line is string => !!line);
  return [
    `${field}: too easy to guess (strength ${score} of 4, at least ${MIN_PASSWORD_SCORE} needed).`,
    ...(advice.length > 0 ? advice : ['Add more words that are less common.']),
  ].join(' ');
}
