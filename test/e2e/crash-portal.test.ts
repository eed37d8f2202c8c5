/**
 * Crash test of portal sign-in links: forty users follow their one-time links at once and the `opendip
 * serve` process is killed with SIGKILL once a random number of them has been answered. Read from the store while it is down, every
 * user has either its link unspent and no password, or its password set and its link spent, never one
 * without the other; every user answered 303 has its password. Started again, the unspent links still work.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { hashLinkToken, issuePortalLink } from '../../src/registry/portal-users.js';
import { openRegistry } from '../../src/registry/registry.js';
import { openStore } from '../../src/storage/open.js';
import { seedDemoPki } from './demo-pki.js';
import { removeDir, startServer, tempDir } from './support.js';

const USERS = 40;
const SUP = '1000000001';

/** Follows a link: its form, then the password. 303 when the server said the password is set. */
async function follow(origin: string, token: string): Promise<number> {
  const form = await request(`${origin}/portal/welcome?link=${token}`);
  const page = await form.body.text();
  if (form.statusCode !== 200) return form.statusCode;
  const cookie = String([form.headers['set-cookie']].flat()[0]).split(';')[0]!;
  const formToken = /name="token" value="([^"]+)"/.exec(page)![1]!;
  const done = await request(`${origin}/portal/welcome`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: formToken,
      link: token,
      password: 'a crash-proof password',
      confirmation: 'a crash-proof password',
    }).toString(),
  });
  await done.body.dump();
  return done.statusCode;
}

describe('kill -9 while users follow their sign-in links, on SQLite', () => {
  test('each link is spent together with the password it set, or not at all', async (t) => {
    const dataDir = tempDir('crash-portal');
    const dbUrl = `sqlite:${join(dataDir, 'opendip.db')}`;
    const args = ['--data-dir', dataDir, '--port', '0', '--no-tls', '--log-level', 'warn'];
    try {
      await seedDemoPki(dataDir);
      let server = await startServer(args);
      const origin = server.baseUrl.slice(0, server.baseUrl.lastIndexOf('/'));
      const tokens = new Map<string, string>();
      {
        const store = await openStore(dbUrl);
        const registry = await openRegistry(store);
        for (let i = 0; i < USERS; i++) {
          const username = `crash-${i}`;
          const issued = await issuePortalLink(store, registry.view(), {
            username,
            dipId: SUP,
            issuedBy: 'test',
            now: Date.now(),
          });
          assert.ok(issued.ok);
          tokens.set(username, issued.token);
        }
        await store.close();
      }
      const answered = new Set<string>();
      const following = [...tokens].map(async ([username, token]) => {
        const status = await follow(origin, token).catch(() => null);
        if (status === 303) answered.add(username);
      });
      // Killed once a random number of users has been answered: in the middle of the others' writes.
      const target = randomInt(1, USERS / 2);
      for (let waited = 0; answered.size < target && waited < 10_000; waited += 5) await sleep(5);
      server.child.kill('SIGKILL');
      await server.exited;
      await Promise.all(following);

      const store = await openStore(dbUrl);
      let set = 0;
      try {
        for (const [username, token] of tokens) {
          const u = (await store.portalUser(username))!;
          const spent = u.linkHash === null;
          assert.equal(u.passwordHash !== null, spent, `${username}: password set exactly when the link is spent`);
          assert.equal(u.passwordSetAt !== null, spent, username);
          if (!spent) assert.equal(u.linkHash, hashLinkToken(token), `${username} keeps its own link`);
          if (answered.has(username)) assert.ok(spent, `${username} was told its password is set`);
          if (spent) set++;
        }
      } finally {
        await store.close();
      }
      assert.ok(answered.size <= set, 'no answer without its write');
      t.diagnostic(`killed with ${answered.size} answered and ${set} passwords set of ${USERS}`);

      server = await startServer(args);
      try {
        const again = server.baseUrl.slice(0, server.baseUrl.lastIndexOf('/'));
        const left = [...tokens].filter(([u]) => !answered.has(u));
        for (const [username, token] of left) {
          const status = await follow(again, token);
          // A link spent by a write the kill kept from being answered is gone: 404, and the password stands.
          assert.ok(status === 303 || status === 404, `${username}: ${status}`);
        }
      } finally {
        await server.stop();
      }
      const after = await openStore(dbUrl);
      try {
        for (const username of tokens.keys()) {
          assert.notEqual((await after.portalUser(username))!.passwordHash, null, `${username} can sign in`);
        }
      } finally {
        await after.close();
      }
    } finally {
      removeDir(dataDir);
    }
  });
});
