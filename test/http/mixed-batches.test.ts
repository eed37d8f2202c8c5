/**
 * Batches mixing good and bad IF-021 messages: each message's fate is its own (one response item per
 * message, in order), unless one of them fails its schema, which condemns the whole request.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { OPERATOR_ROLE, ROLES } from '../../src/domain/model.js';
import { mpanCheckDigit } from '../../src/domain/mpan.js';
import { formatCompactDate } from '../../src/domain/time.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { codes, startTestDip, type Reply, type TestDip } from '../helpers/dip.js';

const SDS = '1200000001';
const CHANNEL = 'IF-021';
const MAX_FUTURE_S = 300;
// A frozen clock makes the senderTimestamp limit exact: +300 s is accepted, +301 s is not.
const NOW = Math.floor(Date.now() / 1000) * 1000;

let t: TestDip;
before(async () => {
  t = await startTestDip({ clock: { now: () => NOW } });
});
after(async () => t.close());

const held = DEMO_PARTICIPANTS.find((p) => p.dipId === SDS)!.roles as readonly string[];
const registered = new Set(DEMO_PARTICIPANTS.map((p) => p.dipId));

type Spec =
  | { kind: 'valid'; offsetS: number; correlation: string | null }
  | { kind: 'environment'; tag: string }
  | { kind: 'unregistered'; sender: string }
  | { kind: 'roleNotHeld'; role: string }
  | { kind: 'surChannel'; channel: string }
  | { kind: 'duplicate'; of: number }
  | { kind: 'future'; offsetS: number }
  | { kind: 'correlation'; value: string }
  | { kind: 'interface'; channel: string }
  | { kind: 'mpan'; value: string }
  | { kind: 'schema'; remove: 'M0' | 'S0' | 'S1' | 'CustomBlock' };

const CODE: Record<Exclude<Spec['kind'], 'valid' | 'duplicate' | 'schema'>, string> = {
  environment: 'MSG1000',
  unregistered: 'MSG1009',
  roleNotHeld: 'MSG1010',
  surChannel: 'MSG1006',
  future: 'MSG1007',
  correlation: 'MSG1012',
  interface: 'MSG1002',
  mpan: 'MSG1039',
};

const otherChannels = (): string[] => [...t.dip.catalogue.channels.keys()].filter((c) => c !== CHANNEL);

const dataFailure: fc.Arbitrary<Spec> = fc.oneof(
  fc.constantFrom('PRD', 'SITB', 'SIT', 'UIT').map((tag): Spec => ({ kind: 'environment', tag })),
  fc
    .integer({ min: 2_000_000_000, max: 9_999_999_999 })
    .map(String)
    .filter((id) => !registered.has(id))
    .map((sender): Spec => ({ kind: 'unregistered', sender })),
  // OPERATOR is OpenDIP's own, outside the schemas' DT-009 role list: a message naming it fails the schema instead.
  fc
    .constantFrom(...ROLES.filter((r) => !held.includes(r) && r !== OPERATOR_ROLE))
    .map((role): Spec => ({ kind: 'roleNotHeld', role })),
  fc.nat().map((i): Spec => ({ kind: 'surChannel', channel: otherChannels()[i % otherChannels().length]! })),
  fc.nat().map((of): Spec => ({ kind: 'duplicate', of })),
  fc.integer({ min: MAX_FUTURE_S + 1, max: 30 * 86_400 }).map((offsetS): Spec => ({ kind: 'future', offsetS })),
  fc
    .constantFrom(
      'not-a-ci',
      'ci-20240101-abc',
      'CI-2024-01-01-abc',
      'CI-20240101-',
      'CI-20240101-ab!',
      'CI-20240101 abc',
    )
    .map((value): Spec => ({ kind: 'correlation', value })),
  fc.nat().map((i): Spec => ({ kind: 'interface', channel: otherChannels()[i % otherChannels().length]! })),
  // Twelve digits and any check digit but theirs.
  fc
    .tuple(fc.stringMatching(/^\d{12}$/), fc.integer({ min: 1, max: 9 }))
    .map(([twelve, off]): Spec => ({ kind: 'mpan', value: `${twelve}${(mpanCheckDigit(twelve) + off) % 10}` })),
);

const valid: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constant('valid' as const),
  offsetS: fc.integer({ min: -86_400, max: MAX_FUTURE_S }),
  correlation: fc.constantFrom(null, 'CI-20240101-0a1b2c3d', 'CI-BP09-20220401-1234567890123abce123092'),
});

const schemaFailure: fc.Arbitrary<Spec> = fc
  .constantFrom('M0', 'S0', 'S1', 'CustomBlock')
  .map((remove): Spec => ({ kind: 'schema', remove }));

interface Built {
  spec: Spec;
  body: { payload: Record<string, unknown> };
  /** As it appears in the response: null when the message has no S1 to read it from. */
  sur: string | null;
  /** For a duplicate: the index of the message whose SUR it reuses. */
  original?: number;
}

const s1Of = (m: { payload: Record<string, unknown> }) =>
  (m.payload.CommonBlock as { S1: { senderUniqueReference: string } }).S1;

function build(specs: Spec[]): Built[] {
  const built: Built[] = [];
  for (const spec of specs) {
    const base = { channel: CHANNEL, sender: SDS, role: 'SDS', at: NOW };
    let body: Built['body'];
    let original: number | undefined;
    switch (spec.kind) {
      case 'valid':
        body = t.message({ ...base, at: NOW + spec.offsetS * 1000, correlationId: spec.correlation });
        break;
      case 'environment':
        body = t.message({ ...base, environment: spec.tag });
        break;
      case 'unregistered':
        body = t.message({ ...base, sender: spec.sender });
        break;
      case 'roleNotHeld':
        body = t.message({ ...base, role: spec.role });
        break;
      case 'surChannel':
        body = t.message({
          ...base,
          sur: `S-${spec.channel}-${SDS}-SDS-${formatCompactDate(NOW)}-${randomBytes(8).toString('hex')}`,
        });
        break;
      case 'duplicate': {
        const earlier = built.flatMap((b, i) => (b.spec.kind === 'valid' ? [i] : []));
        original = earlier.length > 0 ? earlier[spec.of % earlier.length] : undefined;
        body = t.message({ ...base, ...(original !== undefined ? { sur: built[original]!.sur! } : {}) });
        break;
      }
      case 'future':
        body = t.message({ ...base, at: NOW + spec.offsetS * 1000 });
        break;
      case 'correlation':
        body = t.message({ ...base, correlationId: spec.value });
        break;
      case 'interface':
        body = t.message({ channel: spec.channel, sender: SDS, role: 'SDS', at: NOW });
        break;
      case 'mpan':
        body = t.message({ ...base, mpan: spec.value });
        break;
      case 'schema':
        body = t.message(base);
        delete (spec.remove === 'CustomBlock' ? body.payload : (body.payload.CommonBlock as Record<string, unknown>))[
          spec.remove
        ];
        break;
    }
    const sur = spec.kind === 'schema' && spec.remove === 'S1' ? null : s1Of(body).senderUniqueReference;
    built.push({ spec, body, sur, ...(original !== undefined ? { original } : {}) });
  }
  return built;
}

/** The code each message earns on its own merits, in a batch free of schema failures. */
function expectedCode(b: Built): string {
  if (b.spec.kind === 'valid') return 'MSG0000';
  if (b.spec.kind === 'duplicate') return b.original === undefined ? 'MSG0000' : 'MSG1006';
  if (b.spec.kind === 'schema') return 'MSG1001';
  return CODE[b.spec.kind];
}

const send = (built: Built[]): Promise<Reply> =>
  t.send({ as: SDS, channel: CHANNEL, body: built.map((b) => b.body), date: new Date(NOW).toISOString() });

const TXN = new RegExp(`^T-${CHANNEL}-${SDS}-SDS-${formatCompactDate(NOW)}-[0-9A-F]{16}$`);

describe('mixed batches on IF-021', () => {
  test('data failures reject only their own message; status, ids and archive follow the accepted ones', async () => {
    const specs = fc.array(fc.oneof({ arbitrary: valid, weight: 2 }, { arbitrary: dataFailure, weight: 3 }), {
      minLength: 1,
      maxLength: 25,
    });
    const allValid: Spec[] = [
      { kind: 'valid', offsetS: 0, correlation: null },
      { kind: 'valid', offsetS: MAX_FUTURE_S, correlation: null },
    ];
    const noneValid: Spec[] = [
      { kind: 'future', offsetS: MAX_FUTURE_S + 1 },
      { kind: 'environment', tag: 'PRD' },
      { kind: 'roleNotHeld', role: 'SUP' },
    ];
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(specs, async (list) => {
        const built = build(list);
        const before = await t.dip.store.countMessages();
        const r = await send(built);
        const expected = built.map(expectedCode);
        const accepted = expected.filter((c) => c === 'MSG0000').length;
        assert.equal(r.status, accepted === built.length ? 201 : accepted === 0 ? 400 : 207, r.text);
        seen.add(r.status);
        assert.deepEqual(codes(r), expected);
        const items = r.json.messageArray;
        assert.deepEqual(
          items.map((i) => i.senderUniqueReference),
          built.map((b) => b.sur),
          'one item per message, in order',
        );
        for (const [i, item] of items.entries()) {
          const b = built[i]!;
          if (expected[i] === 'MSG0000') {
            assert.match(item.transactionID ?? '', TXN, `message ${i}`);
            assert.equal(item.help, null);
            assert.equal(
              item.correlationID,
              b.spec.kind === 'valid' ? b.spec.correlation : null,
              "IF-021 echoes the sender's correlation id",
            );
            assert.equal(
              (await t.dip.store.messageByReference(b.sur!))?.transactionId,
              item.transactionID,
              `message ${i} archived`,
            );
          } else {
            assert.equal(item.transactionID, null, `message ${i}`);
            assert.ok(item.help, `message ${i} says what to fix`);
            const archived = await t.dip.store.messageByReference(b.sur!);
            if (b.original !== undefined)
              assert.equal(archived?.transactionId, items[b.original]!.transactionID, 'the original keeps its SUR');
            else assert.equal(archived, null, `message ${i} (${b.spec.kind}) is not archived`);
          }
        }
        const ids = items.flatMap((i) => (i.transactionID ? [i.transactionID] : []));
        assert.equal(new Set(ids).size, ids.length, 'transaction ids are unique');
        assert.equal(
          await t.dip.store.countMessages(),
          before + accepted,
          'the archive holds exactly the accepted messages',
        );
      }),
      { numRuns: 40, examples: [[allValid], [noneValid]] },
    );
    assert.deepEqual([...seen].sort(), [201, 207, 400]);
  });

  test('one schema failure anywhere makes the request 400 and archives nothing', async () => {
    const mixed = fc.oneof(valid, dataFailure, schemaFailure);
    const specs = fc
      .record({ rest: fc.array(mixed, { maxLength: 24 }), broken: schemaFailure, at: fc.nat() })
      .map(({ rest, broken, at }) => rest.toSpliced(at % (rest.length + 1), 0, broken));
    await fc.assert(
      fc.asyncProperty(specs, async (list) => {
        const built = build(list);
        const before = await t.dip.store.countMessages();
        const r = await send(built);
        assert.equal(r.status, 400, r.text);
        const got = codes(r);
        assert.equal(got.length, built.length, 'one item per message');
        assert.deepEqual(
          r.json.messageArray.map((i) => i.senderUniqueReference),
          built.map((b) => b.sur),
          'in order',
        );
        const firstBroken = built.findIndex((b) => b.spec.kind === 'schema');
        for (const [i, b] of built.entries()) {
          const item = r.json.messageArray[i]!;
          assert.equal(item.transactionID, null, `message ${i}`);
          if (b.spec.kind === 'schema') {
            assert.equal(got[i], 'MSG1001', `message ${i} lost ${b.spec.remove}`);
            assert.match(item.help ?? '', new RegExp(b.spec.remove), 'the help names what is missing');
          } else {
            assert.notEqual(got[i], 'MSG1001', `message ${i} (${b.spec.kind}) is schema-valid`);
            assert.notEqual(got[i], 'MSG0000', `message ${i} (${b.spec.kind})`);
            if (b.spec.kind === 'valid')
              assert.match(item.help ?? '', new RegExp(`the first is message ${firstBroken}\\b`));
            else if (b.spec.kind !== 'duplicate')
              assert.equal(got[i], expectedCode(b), `message ${i} keeps its own failure`);
          }
          if (b.sur !== null)
            assert.equal(await t.dip.store.messageByReference(b.sur), null, `message ${i} is not archived`);
        }
        assert.equal(await t.dip.store.countMessages(), before, 'nothing archived');
      }),
      { numRuns: 40 },
    );
  });
});
