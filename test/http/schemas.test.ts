/**
 * Every published message schema, end to end through the HTTP stack: a valid message of each one is
 * accepted on its channel (or, for the DIP's own IF-016 publication, refused to participants), and every
 * /validate/{IF-xxx}/{Event} endpoint answers as the spec says.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ruleFor, type LeafSchema } from '../../src/catalogue/catalogue.js';
import type { Role } from '../../src/domain/model.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { checkPayload } from '../../src/validation/message.js';
import { createSchemaRegistry } from '../../src/validation/schemas.js';
import { codes, startTestDip } from '../helpers/dip.js';

// Tests are generated per channel from the catalogue, so the DIP must exist while they are declared.
const t = await startTestDip();
after(async () => t.close());

const { catalogue } = t.dip;
const FILLS = ['minimal', 'full'] as const;
const PUBLISHED_BY_DIP = 'IF-016';
const apiVersion = t.dip.baseUrl.slice(t.dip.baseUrl.lastIndexOf('/') + 1);

type Common = { S0: Record<string, unknown>; S1: Record<string, unknown> } & Record<string, unknown>;
const common = (m: { payload: Record<string, unknown> }): Common => m.payload.CommonBlock as Common;

/** The first demo participant holding a role allowed to send the leaf's event, in that role. */
function senderFor(leaf: LeafSchema): { sender: string; role: Role } | null {
  const allowed = ruleFor(catalogue.channels.get(leaf.channel)!, leaf.eventCode).senders;
  for (const p of DEMO_PARTICIPANTS) {
    const role = allowed.find((r) => p.roles.includes(r));
    if (role) return { sender: p.dipId, role };
  }
  return null;
}

/** What was shown to work, so the totals below count only schemas whose test passed. */
const covered = { leaves: new Set<string>(), schemas: new Set<string>(), channels: new Set<string>() };
const cover = (leaf: LeafSchema): void => {
  covered.leaves.add(`${leaf.channel}|${leaf.eventCode}|${leaf.schemaVersion}`);
  covered.schemas.add(leaf.schemaName);
  covered.channels.add(leaf.channel);
};

// One request per channel and sender: IF-065's events have different senders, so it needs two.
const groups = new Map<string, { channel: string; sender: string; leaves: { leaf: LeafSchema; role: Role }[] }>();
const published: LeafSchema[] = [];
for (const leaf of catalogue.leaves.values()) {
  if (leaf.channel === PUBLISHED_BY_DIP) {
    published.push(leaf);
    continue;
  }
  const from = senderFor(leaf);
  assert.ok(from, `no demo participant may send ${leaf.channel} ${leaf.eventCode}`);
  const key = `${leaf.channel} ${from.sender}`;
  const group = groups.get(key) ?? { channel: leaf.channel, sender: from.sender, leaves: [] };
  group.leaves.push({ leaf, role: from.role });
  groups.set(key, group);
}

describe('every message schema is accepted on its channel', () => {
  for (const { channel, sender, leaves } of groups.values()) {
    test(`${channel} from ${sender}: ${leaves.length} event(s), minimal and full`, async () => {
      const sent = leaves.flatMap(({ leaf, role }) =>
        FILLS.map((fill) => ({
          leaf,
          role,
          fill,
          message: t.message({
            channel,
            eventCode: leaf.eventCode,
            schemaVersion: leaf.schemaVersion,
            sender,
            role,
            fill,
          }),
        })),
      );
      const r = await t.send({ as: sender, channel, body: sent.map((s) => s.message) });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.messageArray.length, sent.length);
      for (const [i, { leaf, role, fill, message }] of sent.entries()) {
        const item = r.json.messageArray[i]!;
        const what = `${leaf.eventCode} ${leaf.schemaVersion} ${fill}`;
        assert.equal(item.message, 'MSG0000 - Success', `${what}: ${item.help}`);
        assert.equal(
          item.senderUniqueReference,
          common(message).S1.senderUniqueReference,
          `${what}: items follow the request order`,
        );
        assert.match(
          item.transactionID ?? '',
          new RegExp(`^T-${channel}-${sender}-${role}-\\d{8}-[0-9A-F]{16}$`),
          what,
        );
        const archived = await t.dip.store.messageByReference(item.senderUniqueReference!);
        assert.ok(archived, `${what}: archived`);
        assert.equal(archived.transactionId, item.transactionID, `${what}: archived under its transaction id`);
        assert.deepEqual(JSON.parse(archived.payload.toString()), message.payload, `${what}: archived as sent`);
      }
      for (const { leaf } of leaves) cover(leaf);
    });
  }

  test(`${PUBLISHED_BY_DIP} messages are schema-valid, but the DIP publishes them and refuses them from participants`, async () => {
    assert.equal(new Set(published.map((l) => l.schemaName)).size, 5);
    const schemas = createSchemaRegistry(catalogue);
    const sender = '1200000002';
    const body = published.flatMap((leaf) =>
      FILLS.map((fill) => {
        const message = t.message({
          channel: leaf.channel,
          eventCode: leaf.eventCode,
          schemaVersion: leaf.schemaVersion,
          sender,
          role: 'ADS',
          fill,
        });
        const verdict = checkPayload(catalogue, schemas, leaf.channel, message.payload);
        assert.equal(verdict.kind, 'ok', `${leaf.eventCode} ${fill}: ${JSON.stringify(verdict)}`);
        return message;
      }),
    );
    const r = await t.send({ as: sender, channel: PUBLISHED_BY_DIP, body });
    assert.equal(r.status, 400, r.text);
    assert.deepEqual(
      codes(r),
      body.map(() => 'MSG1010'),
    );
    for (const item of r.json.messageArray) {
      assert.match(item.help ?? '', /published by the DIP itself/);
      assert.equal(item.transactionID, null);
      assert.equal(await t.dip.store.messageByReference(item.senderUniqueReference!), null);
    }
    published.forEach(cover);
  });

  test('the schemas covered are all 126 of the API, over its 58 channels', () => {
    assert.equal(covered.leaves.size, catalogue.leaves.size, 'every channel/event/version combination was sent');
    assert.equal(covered.schemas.size, 126);
    assert.equal(covered.channels.size, 58);
  });
});

const validate = async (path: string, body: unknown): Promise<{ status: number; text: unknown }> => {
  const res = await t.dip.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  assert.match(String(res.headers['content-type']), /^application\/json/, path);
  return { status: res.statusCode, text: JSON.parse(res.body) as unknown };
};

/** A valid message for a /validate path, from a sender entitled to send its event. */
function messageFor(path: string, fill: 'minimal' | 'full' = 'full') {
  const target = catalogue.validatePaths.get(path)!;
  const leaf = [...catalogue.leaves.values()].find(
    (l) => l.channel === target.channel && l.eventCode === target.eventCode,
  )!;
  const { sender, role } = senderFor(leaf)!;
  return t.message({ channel: target.channel, eventCode: target.eventCode, sender, role, fill });
}

describe('/validate/{IF-xxx}/{Event}', () => {
  test('there are 127 endpoints; each answers 201 "Message OK" to a valid message, also under the API version', async () => {
    assert.equal(catalogue.validatePaths.size, 127);
    const failures: string[] = [];
    for (const path of catalogue.validatePaths.keys()) {
      for (const [url, fill] of [
        [`/validate/${path}`, 'full'],
        [`/${apiVersion}/validate/${path}`, 'minimal'],
      ] as const) {
        const r = await validate(url, [messageFor(path, fill)]);
        if (r.status !== 201 || r.text !== 'Message OK')
          failures.push(`${url} (${fill}): ${r.status} ${JSON.stringify(r.text)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('the endpoint is chosen by the path: a message of another event is named as such', async () => {
    const m = messageFor('IF-021/ActivePower');
    const r = await validate('/validate/IF-021/ReactivePower', [m]);
    assert.equal(r.status, 400);
    assert.match(String(r.text), /eventCode '\[ActivePower\]' is not the event of this endpoint, \[ReactivePower\]/);
  });

  // A participant debugging a message wants the whole list at once, not one problem per round trip.
  const broken = [
    { path: 'IF-021/ActivePower', block: 'M0', otherEvent: '[ReactivePower]' },
    { path: 'IF-024/SN-Vacant', block: 'M0', otherEvent: '[SN-NoComms]' },
    { path: 'IF-019/RelatedAdd', block: 'M1', otherEvent: '[RelatedRemove]' },
  ];

  test('a message with several independent problems gets 400 naming every one of them', async () => {
    const missed: string[] = [];
    for (const { path, block, otherEvent } of broken) {
      const m = messageFor(path);
      const c = common(m);
      delete c[block];
      c.S1.senderTimestamp = '2024-03-21T19:05:00Z';
      c.S1.subText = 42;
      c.S0.eventCode = otherEvent;
      c.S1.environmentTag = 'SIT';
      const r = await validate(`/validate/${path}`, [m]);
      assert.equal(r.status, 400, path);
      assert.equal(typeof r.text, 'string');
      const expected: [string, RegExp][] = [
        ['missing block', new RegExp(`missing required property '${block}'`)],
        ['short senderTimestamp', /\/CommonBlock\/S1\/senderTimestamp: must NOT have fewer than 25 characters/],
        ['wrong-typed subText', /\/CommonBlock\/S1\/subText: must be string/],
        [
          'event of another endpoint',
          new RegExp(`eventCode '${otherEvent.replace(/[[\]]/g, '\\$&')}' is not the event of this endpoint`),
        ],
        ['environmentTag', /environmentTag 'SIT' does not match this DIP instance, which runs as 'DEV'/],
      ];
      for (const [name, pattern] of expected)
        if (!pattern.test(String(r.text))) missed.push(`${path}: ${name} not named in ${JSON.stringify(r.text)}`);
    }
    assert.deepEqual(missed, []);
  });

  test("the DIP's data rules are all named for a schema-valid message, and per message of the array", async () => {
    const m = messageFor('IF-021/ActivePower');
    const c = common(m);
    c.S1.environmentTag = 'UIT';
    c.S1.senderTimestamp = '2999-01-01T00:00:00+00:00';
    c.S1.senderCorrelationID = 'not-a-ci';
    c.S1.senderUniqueReference = String(c.S1.senderUniqueReference).replace('S-IF-021-', 'S-IF-005-');
    const r = await validate('/validate/IF-021/ActivePower', [messageFor('IF-021/ActivePower'), m]);
    assert.equal(r.status, 400);
    const text = String(r.text);
    assert.match(text, /^4 problems: /);
    for (const p of [
      /message 1: MSG1000 - environmentTag 'UIT'/,
      /message 1: MSG1007 - senderTimestamp '2999-01-01T00:00:00\+00:00' is in the future/,
      /message 1: MSG1012 - senderCorrelationID 'not-a-ci'/,
      /message 1: MSG1006 - senderUniqueReference interface part 'IF-005'/,
    ]) {
      assert.match(text, p);
    }
    assert.doesNotMatch(text, /message 0/, 'the valid first message has no problems');
  });

  test('unknown endpoints are 404; bracketed events are 404 with a hint; case does not matter', async () => {
    const m = messageFor('IF-021/ActivePower');
    for (const path of [
      '/validate/IF-099/ActivePower',
      '/validate/IF-021/Nonsense',
      '/validate/IF-016/ActivePower',
      '/validate/IF-047/ISD',
    ]) {
      const r = await validate(path, [m]);
      assert.equal(r.status, 404, path);
      assert.equal(typeof r.text, 'string');
    }
    const bracketed = await validate('/validate/IF-021/[ActivePower]', [m]);
    assert.equal(bracketed.status, 404);
    assert.match(String(bracketed.text), /without brackets, e\.g\. \/validate\/IF-024\/SN-Vacant/);
    for (const path of ['/validate/if-021/activepower', `/${apiVersion}/validate/If-024/sn-vacant`]) {
      const r = await validate(path, [path.includes('024') ? messageFor('IF-024/SN-Vacant') : m]);
      assert.deepEqual(r, { status: 201, text: 'Message OK' }, path);
    }
  });
});
