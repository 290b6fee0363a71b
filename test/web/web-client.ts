/**
 * A minimal browser stand-in for HTTP-level page tests: a cookie jar, redirects not followed. Two
 * clients given the same `jar` are one browser talking to two addresses (two Gitgate instances).
 */
export function webClient(server: { url: string }, jar = new Map<string, string>()) {
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  };
  async function get(path: string) {
    const response = await fetch(server.url + path, { redirect: 'manual', headers: { cookie: cookieHeader() } });
    remember(response);
    return { response, html: await response.text() };
  }
  async function post(path: string, form: Record<string, string>) {
    const response = await fetch(server.url + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    remember(response);
    return { response, html: await response.text() };
  }
  /** The `_csrf` value of the first form on a page. */
  async function csrfFrom(path: string): Promise<string> {
    const { html } = await get(path);
    const match = /name="_csrf" value="([^"]+)"/.exec(html);
    if (!match) throw new Error(`no CSRF field on ${path}`);
    return match[1]!;
  }
  async function signIn(login: string, password: string, returnTo = '/') {
    const _csrf = await csrfFrom('/login');
    return post('/login', { _csrf, login, password, return_to: returnTo });
  }
  return { jar, get, post, csrfFrom, signIn };
}
