/** One answer as a browser sees it before following it. */
export interface BrowserAnswer {
  url: URL;
  status: number;
  headers: Headers;
  body: string;
}

interface StoredCookie {
  value: string;
  host: string;
  path: string;
}

/**
 * Enough of a browser for sign-in flows over plain HTTP: a cookie jar (host-only cookies, Path,
 * Max-Age=0 deletes) and redirects followed one at a time, so a test sees every hop.
 */
export class CookieBrowser {
  private readonly cookies = new Map<string, StoredCookie>();

  /** One request, its Set-Cookie stored; redirects are returned, not followed. */
  async request(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<BrowserAnswer> {
    const target = new URL(url);
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader(target);
    if (cookie !== '') headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = target.origin;
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(target, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.store(target, line);
    return { url: target, status: response.status, headers: response.headers, body: await response.text() };
  }

  /**
   * Follows redirects (at most `maxHops`) until an answer that is not one, or until the next hop would
   * go to a URL `stopAt` picks (returned unrequested, for the test to request itself).
   */
  async follow(url: string | URL, stopAt: (url: URL) => boolean = () => false, maxHops = 10): Promise<{ hops: BrowserAnswer[]; stoppedAt: URL | null }> {
    const hops: BrowserAnswer[] = [];
    let next: URL | null = new URL(url);
    while (next !== null) {
      if (stopAt(next)) return { hops, stoppedAt: next };
      if (hops.length >= maxHops) throw new Error(`more than ${maxHops} redirects from ${url}`);
      const answer = await this.request(next);
      hops.push(answer);
      const location = answer.status >= 300 && answer.status < 400 ? answer.headers.get('location') : null;
      next = location === null ? null : new URL(location, answer.url);
    }
    return { hops, stoppedAt: null };
  }

  cookieValue(name: string, host: string): string | undefined {
    return this.cookies.get(`${host} ${name}`)?.value;
  }

  setCookieValue(name: string, host: string, value: string): void {
    const cookie = this.cookies.get(`${host} ${name}`);
    if (!cookie) throw new Error(`no cookie ${name} for ${host}`);
    cookie.value = value;
  }

  private cookieHeader(url: URL): string {
    return [...this.cookies]
      .filter(([, c]) => c.host === url.host && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .map(([key, c]) => `${key.slice(key.indexOf(' ') + 1)}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, line: string): void {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const name = pair!.slice(0, pair!.indexOf('='));
    const value = pair!.slice(pair!.indexOf('=') + 1);
    const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const key = `${url.host} ${name}`;
    const maxAge = attribute('max-age');
    const expires = attribute('expires');
    if (maxAge === '0' || (expires !== undefined && Date.parse(expires) <= Date.now())) {
      this.cookies.delete(key);
      return;
    }
    this.cookies.set(key, { value, host: url.host, path: attribute('path') ?? '/' });
  }
}
