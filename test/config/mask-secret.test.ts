import { maskKey, maskSecretUrl } from '../../src/config/mask-secret';

describe('masking whole-secret URLs and keys', () => {
  it('keeps scheme and host and the last four characters of a long enough secret', () => {
    expect(maskSecretUrl('https://hooks.slack.com/services/T000/B000/XXXXXXXXabcd')).toBe('https://hooks.slack.com/…abcd');
    expect(maskSecretUrl('https://discord.com/api/webhooks/1/tok?wait=true')).toBe('https://discord.com/…true');
    expect(maskSecretUrl('https://user:pass@ntfy.example.com:8443/topic-with-a-long-name')).toBe('https://***@ntfy.example.com:8443/…name');
    // Too short to show any of it.
    expect(maskSecretUrl('https://ntfy.sh/alerts')).toBe('https://ntfy.sh/…');
    expect(maskSecretUrl('https://ntfy.sh')).toBe('https://ntfy.sh');
    expect(maskSecretUrl('not a url at all, but long')).toBe('…long');
  });

  it('shows a key only by its last four characters', () => {
    expect(maskKey('R0123456789abcdef0123456789abcde')).toBe('…bcde');
    expect(maskKey('short')).toBe('…');
  });
});
