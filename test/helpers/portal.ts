/** A browser's view of the portal over inject: form posts, cookies, and signing in as a participant. */
import assert from 'node:assert/strict';
import type { TestDip } from './dip.js';

export interface Page {
  status: number;
  text: string;
  location: string | undefined;
  cookies: string[];
  headers: Record<string, unknown>;
}

/** The name=value part of a Set-Cookie header. */
export const pair = (setCookie: string): string => setCookie.split(';')[0]!;
/** The value of a page's hidden input. */
export const hidden = (text: string, name: string): string =>
  new RegExp(`name="${name}" value="([^"]*)"`).exec(text)![1]!;

export function portalClient(t: TestDip) {
  async function call(method: 'GET' | 'POST', url: string, cookie = '', form?: Record<string, string>): Promise<Page> {
    const res = await t.dip.app.inject({
      method,
      url,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    const set = res.headers['set-cookie'];
    return {
      status: res.statusCode,
      text: res.body,
      location: res.headers.location as string | undefined,
      cookies: set === undefined ? [] : [set].flat().map(String),
      headers: res.headers,
    };
  }

  /** Signs in as a participant; returns the session's Cookie header and the CSRF token of its forms. */
  async function signIn(dipId: string, apiKey = t.apiKeys[dipId]!): Promise<{ cookie: string; csrf: string }> {
    const form = await call('GET', '/portal/sign-in');
    const token = hidden(form.text, 'token');
    const done = await call('POST', '/portal/sign-in', pair(form.cookies[0]!), {
      token,
      next: '/portal/messages',
      participant: dipId,
      apiKey,
    });
    assert.equal(done.status, 303, done.text);
    const cookie = pair(done.cookies.find((c) => c.startsWith('opendip_portal='))!);
    const page = await call('GET', '/portal/messages', cookie);
    return { cookie, csrf: hidden(page.text, 'csrf') };
  }

  return { call, signIn };
}
