import { type BrowserAnswer, CookieBrowser } from './cookie-browser';

export const OIDC_CALLBACK = '/api/v1/auth/oidc/callback';

/**
 * A browser's way from the server's sign-in route through the test provider's development sign-in and
 * consent forms (posted as a browser posts them), up to, not into, the server's callback: the URL the
 * provider sends the browser back to, for the test to request.
 */
export async function throughProvider(browser: CookieBrowser, appUrl: string, login: string): Promise<URL> {
  const toCallback = (url: URL) => url.pathname === OIDC_CALLBACK;
  let { hops, stoppedAt } = await browser.follow(`${appUrl}/api/v1/auth/oidc/login`, toCallback);
  for (const prompt of ['login', 'consent']) {
    if (stoppedAt) break;
    const page = hops.at(-1)!;
    if (page.status !== 200) throw new Error(`the provider answered ${page.status} at ${page.url}: ${page.body.slice(0, 300)}`);
    const form = { prompt, ...(prompt === 'login' ? { login, password: 'any password' } : {}) };
    const posted = await browser.request(formAction(page), { form });
    const location = posted.headers.get('location');
    if (location === null) throw new Error(`the provider did not move on from its ${prompt} form: ${posted.status} ${posted.body.slice(0, 300)}`);
    ({ hops, stoppedAt } = await browser.follow(new URL(location, posted.url), toCallback));
  }
  if (!stoppedAt) throw new Error(`the provider did not send the browser back: ${hops.at(-1)?.status} ${hops.at(-1)?.body.slice(0, 300)}`);
  return stoppedAt;
}

/** The callback's answer and the session cookie it set (undefined when it set none). */
export async function signInThroughProvider(appUrl: string, login: string): Promise<{ browser: CookieBrowser; callback: BrowserAnswer; sessionCookie: string | undefined }> {
  const browser = new CookieBrowser();
  const callback = await browser.request(await throughProvider(browser, appUrl, login));
  return { browser, callback, sessionCookie: browser.cookieValue('co_session', new URL(appUrl).host) };
}

/** The action of the page's form (the provider's development sign-in and consent pages). */
function formAction(page: BrowserAnswer): URL {
  const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
  if (!action) throw new Error(`no form on ${page.url}: ${page.body.slice(0, 300)}`);
  return new URL(action.replace(/&amp;/g, '&'), page.url);
}
