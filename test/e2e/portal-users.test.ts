/**
 * Portal users end to end: an operator issues a one-time link (in the operator pages and with `opendip
 * registry portal-user`), its user sets a password there and is signed in; the link works once; the
 * password signs in, a wrong one does not; a reset or a removal ends the user's sessions at once; a
 * retired API key signs nobody in; and over TLS a browser's registered client certificate signs its
 * participant in, while a certificate of nobody's does not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { hashApiKey } from '../../src/registry/registry.js';
import { startTestDip, type TestDip } from '../helpers/dip.js';
import { hidden, pair, portalClient } from '../helpers/portal.js';
import { runCli } from './support.js';

const SUP = '1000000001';
const SUP2 = '1000000002';
const OPERATOR = '9000000001';
const PASSWORD = 'correct horse battery';

let t: TestDip;
let portal: ReturnType<typeof portalClient>;

before(async () => {
  t = await startTestDip({ flags: { batchLingerMs: '0' } });
  portal = portalClient(t);
});
after(() => t?.close());

/** The operator issues a link for `username` of `dipId` in the portal; returns its path. */
async function issue(username: string, dipId: string): Promise<string> {
  const op = await portal.signIn(OPERATOR);
  const page = await portal.call('POST', '/portal/operator/users', op.cookie, {
    csrf: op.csrf,
    username,
    participant: dipId,
  });
  assert.equal(page.status, 200, page.text);
  const url = /<code aria-label="Sign-in link">([^<]+)<\/code>/.exec(page.text)![1]!.replace(/&amp;/g, '&');
  assert.match(url, /^http:\/\/localhost:80\/portal\/welcome\?link=[A-Za-z0-9_-]{32}$/);
  return new URL(url).pathname + new URL(url).search;
}

/** Follows a link and sets `password`; returns the final answer. */
async function follow(path: string, password: string, confirmation = password) {
  const form = await portal.call('GET', path);
  assert.equal(form.status, 200, form.text);
  return portal.call('POST', '/portal/welcome', pair(form.cookies[0]!), {
    token: hidden(form.text, 'token'),
    link: hidden(form.text, 'link'),
    password,
    confirmation,
  });
}

/** Signs in with a username and password; the session cookie, or null with the status. */
async function passwordSignIn(username: string, password: string) {
  const form = await portal.call('GET', '/portal/sign-in');
  const done = await portal.call('POST', '/portal/sign-in', pair(form.cookies[0]!), {
    token: hidden(form.text, 'token'),
    username,
    password,
  });
  const session = done.cookies.find((c) => c.startsWith('opendip_portal='));
  return { status: done.status, text: done.text, cookie: session ? pair(session) : null };
}

test('a user follows the link the operator issued, sets a password and is signed in; the link works once', async () => {
  const path = await issue('alice@sup.example', SUP);
  const welcome = await portal.call('GET', path);
  assert.match(
    welcome.text,
    /You are <strong>alice@sup.example<\/strong>, signing in to the portal for Demo Supplier One \(1000000001\)/,
  );
  assert.equal(welcome.headers['referrer-policy'], 'no-referrer', 'the token in its URL goes nowhere else');
  assert.match((await follow(path, 'short', 'short')).text, /at least 12 characters/);
  assert.match((await follow(path, PASSWORD, `${PASSWORD}!`)).text, /the two passwords differ/);
  const done = await follow(path, PASSWORD);
  assert.equal(done.status, 303);
  assert.equal(done.location, '/portal/dashboard');
  const cookie = pair(done.cookies.find((c) => c.startsWith('opendip_portal='))!);
  const page = await portal.call('GET', '/portal/messages', cookie);
  assert.equal(page.status, 200);
  assert.match(page.text, /alice@sup.example, Demo Supplier One \(1000000001\)/);
  // Spent: the link opens to nothing now, and cannot set a password again.
  assert.equal((await portal.call('GET', path)).status, 404);
  const again = await portal.call('POST', '/portal/welcome', '', {
    link: path.split('=')[1]!,
    password: PASSWORD,
    confirmation: PASSWORD,
  });
  assert.equal(again.status, 404);
  assert.equal((await portal.call('GET', '/portal/welcome?link=guessed')).status, 404);

  assert.equal((await passwordSignIn('alice@sup.example', PASSWORD)).status, 303);
  const wrong = await passwordSignIn('alice@sup.example', 'not the password');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.cookie, null);
  assert.match(wrong.text, /That username and password do not match/);
  assert.equal((await passwordSignIn('nobody', PASSWORD)).status, 401);
});

test('a reset ends the sessions of the old password, a removal ends the user, and a name stays with its participant', async () => {
  await follow(await issue('bob', SUP2), PASSWORD);
  const { cookie } = await passwordSignIn('bob', PASSWORD);
  assert.equal((await portal.call('GET', '/portal/messages', cookie!)).status, 200);
  const reset = await issue('bob', SUP2);
  assert.equal((await portal.call('GET', '/portal/messages', cookie!)).status, 303, 'the old session ended');
  assert.equal((await passwordSignIn('bob', PASSWORD)).status, 401, 'the old password ended');
  await follow(reset, `${PASSWORD} 2`);
  const fresh = await passwordSignIn('bob', `${PASSWORD} 2`);
  assert.equal(fresh.status, 303);

  const op = await portal.signIn(OPERATOR);
  const taken = await portal.call('POST', '/portal/operator/users', op.cookie, {
    csrf: op.csrf,
    username: 'bob',
    participant: SUP,
  });
  assert.equal(taken.status, 400);
  assert.match(taken.text, /the username bob belongs to another participant/);
  const listed = await portal.call('GET', '/portal/operator/users', op.cookie);
  assert.match(
    listed.text,
    /<td>bob<\/td>\s*<td>Demo Supplier Two \(1000000002\)<\/td>\s*<td>signs in with a password set/,
  );
  const removed = await portal.call('POST', '/portal/operator/users/remove', op.cookie, {
    csrf: op.csrf,
    username: 'bob',
  });
  assert.match(removed.text, /Removed bob: their sessions end now/);
  assert.equal((await portal.call('GET', '/portal/messages', fresh.cookie!)).status, 303);
  // Only an operator manages users.
  const participant = await portal.signIn(SUP);
  const refused = await portal.call('POST', '/portal/operator/users', participant.cookie, {
    csrf: participant.csrf,
    username: 'mallory',
    participant: SUP,
  });
  assert.equal(refused.status, 403);
  assert.equal(await t.dip.store.portalUser('mallory'), null);
});

test('a deactivated API key signs nobody in', async () => {
  const key = await t.dip.registry.issueApiKey(SUP2, 'to retire');
  assert.equal((await portal.signIn(SUP2, key)).cookie.startsWith('opendip_portal='), true);
  await t.dip.registry.retire('api-key', hashApiKey(key), 'deactivated', Date.now() - 1);
  const form = await portal.call('GET', '/portal/sign-in');
  const refused = await portal.call('POST', '/portal/sign-in', pair(form.cookies[0]!), {
    token: hidden(form.text, 'token'),
    participant: SUP2,
    apiKey: key,
  });
  assert.equal(refused.status, 401);
});

test('opendip registry portal-user prints a link that works, and portal-users lists the user', async () => {
  const flags = ['--data-dir', t.dataDir];
  const issued = await runCli(['registry', 'portal-user', '--id', SUP, '--user', 'carol', ...flags]);
  assert.equal(issued.code, 0, issued.stderr);
  const url = issued.stdout.split('\n')[0]!;
  assert.match(url, /^https:\/\/localhost:8443\/portal\/welcome\?link=/);
  assert.match(issued.stdout, /opens once, until \d{4}-/);
  const link = new URL(url);
  assert.equal((await follow(link.pathname + link.search, PASSWORD)).status, 303);
  const listed = await runCli(['registry', 'portal-users', '--id', SUP, ...flags]);
  assert.match(listed.stdout, /1000000001 {2}carol {2}signs in with a password set/);
  const bad = await runCli(['registry', 'portal-user', '--id', SUP, '--user', 'a b', ...flags]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /a username is 3 to 64 letters/);
  assert.equal((await runCli(['registry', 'remove-portal-user', '--user', 'carol', ...flags])).code, 0);
  assert.equal(await t.dip.store.portalUser('carol'), null);
});

describe('over TLS with client certificates', () => {
  let tls: TestDip;
  before(async () => {
    tls = await startTestDip({ flags: { tls: 'true', mtls: 'optional' } });
  });
  after(() => tls?.close());

  const get = async (path: string, agent: Agent, cookie = '') => {
    const r = await request(`${tls.origin}${path}`, { dispatcher: agent, headers: cookie ? { cookie } : {} });
    return { status: r.statusCode, headers: r.headers, text: await r.body.text() };
  };

  test('a browser presenting its registered certificate signs its participant in; one presenting none is offered no such button', async () => {
    const ca = tls.pki.ca.certificatePem;
    const own = tls.pki.participants[SUP]!;
    const agent = new Agent({ connect: { ca, cert: own.certificatePem, key: own.privateKeyPem } });
    const form = await get('/portal/sign-in', agent);
    assert.match(form.text, /Your browser presented the client certificate of Demo Supplier One \(1000000001\)/);
    const signinCookie = pair(String([form.headers['set-cookie']].flat()[0]));
    const done = await request(`${tls.origin}/portal/sign-in/certificate`, {
      dispatcher: agent,
      method: 'POST',
      headers: { cookie: signinCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: hidden(form.text, 'token'), next: '/portal/messages' }).toString(),
    });
    await done.body.dump();
    assert.equal(done.statusCode, 303);
    const session = [done.headers['set-cookie']]
      .flat()
      .map(String)
      .find((c) => c.startsWith('opendip_portal='))!;
    assert.match(session, /; Secure/);
    assert.match((await get('/portal/messages', agent, pair(session))).text, /Demo Supplier One \(1000000001\)/);

    const anonymous = new Agent({ connect: { ca } });
    const bare = await get('/portal/sign-in', anonymous);
    assert.doesNotMatch(bare.text, /presented the client certificate/);
    const tried = await request(`${tls.origin}/portal/sign-in/certificate`, {
      dispatcher: anonymous,
      method: 'POST',
      headers: {
        cookie: pair(String([bare.headers['set-cookie']].flat()[0])),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: hidden(bare.text, 'token') }).toString(),
    });
    assert.equal(tried.statusCode, 401);
    assert.match(await tried.body.text(), /presented no client certificate registered to a participant/);
    // A certificate from a CA the DIP does not trust for mTLS signs nobody in.
    const stranger = tls.pki.untrusted;
    const untrusted = new Agent({ connect: { ca, cert: stranger.certificatePem, key: stranger.privateKeyPem } });
    assert.doesNotMatch((await get('/portal/sign-in', untrusted)).text, /presented the client certificate/);
    await Promise.all([agent, anonymous, untrusted].map((a) => a.close()));
  });
});
