/**
 * The storage contract for portal users (migration 0011): a link creates a user, following it sets the
 * password and spends the link at once (a second use, an expired link or a guessed one gets nothing),
 * a new link resets the password, a username never moves to another participant, and users are kept
 * across a reopen, listed per participant and removed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PortalLink } from '../../src/domain/portal-user.js';
import { freshStores, type Backend } from './contract.js';

const SUP = '1000000001';
const SUP2 = '1000000002';
const OP = '9000000001';
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;

const link = (over: Partial<PortalLink> = {}): PortalLink => ({
  username: 'alice@sup.example',
  dipId: SUP,
  linkHash: 'a'.repeat(64),
  expiresAt: T0 + HOUR,
  issuedBy: OP,
  at: T0,
  ...over,
});

export function portalUserContract(backend: Backend): void {
  describe(`storage contract, portal users: ${backend.name}`, () => {
    const fresh = freshStores(backend);

    test('a link creates the user; following it sets the password and spends the link, once', async () => {
      const store = await fresh();
      assert.equal(await store.issuePortalLink(link()), true);
      const waiting = await store.portalUserByLink('a'.repeat(64), T0 + 1);
      assert.deepEqual(
        { ...waiting, createdAt: waiting?.createdAt },
        {
          username: 'alice@sup.example',
          dipId: SUP,
          passwordHash: null,
          passwordSetAt: null,
          linkHash: 'a'.repeat(64),
          linkExpiresAt: T0 + HOUR,
          createdBy: OP,
          createdAt: T0,
        },
      );
      assert.equal(await store.redeemPortalLink('b'.repeat(64), 'scrypt$guess', T0 + 1), null, 'another hash');
      const user = await store.redeemPortalLink('a'.repeat(64), 'scrypt$1', T0 + 2);
      assert.deepEqual([user?.passwordHash, user?.passwordSetAt, user?.linkHash], ['scrypt$1', T0 + 2, null]);
      assert.equal(await store.redeemPortalLink('a'.repeat(64), 'scrypt$2', T0 + 3), null, 'a link works once');
      assert.equal(await store.portalUserByLink('a'.repeat(64), T0 + 3), null);
      assert.equal((await store.portalUser('alice@sup.example'))?.passwordHash, 'scrypt$1');
    });

    test('an expired link gets nothing; a new link resets the password; a username stays with its participant', async () => {
      const store = await fresh();
      await store.issuePortalLink(link());
      assert.equal(await store.portalUserByLink('a'.repeat(64), T0 + HOUR), null);
      assert.equal(await store.redeemPortalLink('a'.repeat(64), 'scrypt$late', T0 + HOUR), null);
      assert.equal(await store.issuePortalLink(link({ linkHash: 'c'.repeat(64), expiresAt: T0 + 3 * HOUR })), true);
      await store.redeemPortalLink('c'.repeat(64), 'scrypt$1', T0 + 2 * HOUR);
      assert.equal(await store.issuePortalLink(link({ linkHash: 'd'.repeat(64), expiresAt: T0 + 4 * HOUR })), true);
      const reset = await store.portalUser('alice@sup.example');
      assert.deepEqual([reset?.passwordHash, reset?.linkHash, reset?.createdAt], [null, 'd'.repeat(64), T0]);
      // Another participant's operator link for the same name changes nothing.
      assert.equal(await store.issuePortalLink(link({ dipId: SUP2, linkHash: 'e'.repeat(64) })), false);
      assert.equal((await store.portalUser('alice@sup.example'))?.linkHash, 'd'.repeat(64));
      assert.equal(await store.portalUserByLink('e'.repeat(64), T0), null);
    });

    test('users are listed per participant, removed, and kept across a reopen', async () => {
      const store = await fresh();
      await store.issuePortalLink(link({ username: 'bob', linkHash: '1'.repeat(64) }));
      await store.issuePortalLink(link({ username: 'alice', linkHash: '2'.repeat(64) }));
      await store.issuePortalLink(link({ username: 'carol', dipId: SUP2, linkHash: '3'.repeat(64) }));
      assert.deepEqual(
        (await store.portalUsers(SUP)).map((u) => u.username),
        ['alice', 'bob'],
      );
      assert.deepEqual(
        (await store.portalUsers(null)).map((u) => `${u.dipId}/${u.username}`),
        [`${SUP}/alice`, `${SUP}/bob`, `${SUP2}/carol`],
      );
      assert.equal(await store.removePortalUser('bob'), true);
      assert.equal(await store.removePortalUser('bob'), false);
      assert.equal(await store.portalUserByLink('1'.repeat(64), T0), null, 'a removed user’s link is gone too');
      if (backend.reopen) {
        const again = await backend.reopen();
        try {
          assert.deepEqual(
            (await again.portalUsers(null)).map((u) => u.username),
            ['alice', 'carol'],
          );
        } finally {
          await again.close();
        }
      }
    });
  });
}
