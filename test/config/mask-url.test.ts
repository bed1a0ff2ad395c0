import { maskUrl, maskUrlSecrets, maskUrlsIn } from '../../src/config/mask-url';

describe('URL secrets masked for display', () => {
  it.each([
    ['a password in the userinfo', 'http://user:pass@host:8080/run', 'http://user:***@host:8080/run'],
    ['a bare token as the userinfo', 'https://ghp_abc123@hooks.example.com/x', 'https://***@hooks.example.com/x'],
    ['an @ in the path is no userinfo', 'https://host/users/@me?page=2', 'https://host/users/@me?page=2'],
    ['the userinfo ends where WHATWG parsing ends it (before the first /)', 'http://u:p/x@host/y', 'http://u:p/x@host/y'],
    ['the last @ of the authority', 'http://u:p@ss@host/y', 'http://u:***@host/y'],
    ['credential-like query parameters', 'https://h/p?api_key=1&page=2&X-Amz-Signature=zz&access_token=t', 'https://h/p?api_key=***&page=2&X-Amz-Signature=***&access_token=***'],
    ['a percent-encoded parameter name', 'https://h/p?api%5Fkey=1', 'https://h/p?api%5Fkey=***'],
    ['secrets in the fragment', 'https://h/cb#access_token=q&state=1', 'https://h/cb#access_token=***&state=1'],
    ['a password parameter', 'https://h/?user=bob&password=hunter2', 'https://h/?user=bob&password=***'],
    ['an empty value', 'https://h/?token=', 'https://h/?token='],
    ['nothing secret', 'https://executor.internal:9000/run?task=nightly', 'https://executor.internal:9000/run?task=nightly'],
    ['not a URL', 'not a url at all', 'not a url at all'],
  ])('%s', (_what, url, masked) => {
    expect(maskUrlSecrets(url)).toBe(masked);
  });

  it('masks every URL quoted in a text, leaving the rest', () => {
    expect(maskUrlsIn('POST "http://a:b@h:1/x?secret=s" failed; see https://docs.example.com/why')).toBe(
      'POST "http://a:***@h:1/x?secret=***" failed; see https://docs.example.com/why',
    );
  });

  it('keeps the connection-string masking (maskUrl) as it was', () => {
    expect(maskUrl('mongodb://user:secret@h1,h2/db')).toBe('mongodb://user:***@h1,h2/db');
  });
});
