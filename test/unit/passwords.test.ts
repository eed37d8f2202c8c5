import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/crypto/passwords.js';
import { passwordProblem, usernameProblem, type PortalUser } from '../../src/domain/portal-user.js';
import { userState } from '../../src/registry/portal-users.js';

test('a password verifies against its own salted hash only; no hash, a malformed one or another password never', async () => {
  const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
  assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b, 'each hash has its own salt');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('correct horse battery', null), false);
  for (const bad of ['', 'scrypt$1$2', a.replace('scrypt', 'bcrypt'), a.slice(0, -4), `${a}$x`]) {
    assert.equal(await verifyPassword('correct horse battery', bad), false, bad);
  }
});

test('usernames and new passwords are checked with a reason', () => {
  assert.equal(usernameProblem('alice@sup.example'), null);
  assert.equal(usernameProblem('sup-1000000001'), null);
  for (const bad of ['al', 'a b c', 'x'.repeat(65), 'ünïcode', '<script>'])
    assert.match(usernameProblem(bad)!, /3 to 64/);
  assert.equal(passwordProblem('twelve chars', 'twelve chars'), null);
  assert.match(passwordProblem('eleven char', 'eleven char')!, /at least 12/);
  assert.match(passwordProblem('twelve chars', 'twelve charz')!, /differ/);
});

test('an operator reads how each user signs in now', () => {
  const u: PortalUser = {
    username: 'a',
    dipId: '1000000001',
    passwordHash: null,
    passwordSetAt: null,
    linkHash: 'h',
    linkExpiresAt: 2_000,
    createdBy: 'op',
    createdAt: 0,
  };
  assert.match(userState(u, 1_000), /^sign-in link not yet followed; it expires 1970-01-01T00:00:02.000Z$/);
  assert.match(userState(u, 2_000), /^sign-in link expired/);
  assert.match(
    userState({ ...u, passwordHash: 'x', passwordSetAt: 0, linkHash: null }, 5),
    /^signs in with a password set 1970/,
  );
});
