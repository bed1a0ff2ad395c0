/**
 * A password the strength rule accepts (12 characters or more, zxcvbn score 3 or more); `label` makes
 * each one distinct. Every test that sets a password uses one of these.
 */
export function strongPassword(label = 'test'): string {
  return `${label} plum-orbit-velvet-canyon`;
}
