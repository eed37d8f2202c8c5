/** Realistic IF-021 consumption messages: one MPAN, one settlement day, 48 half-hour periods. */
import { randomBytes } from 'node:crypto';
import { withCheckDigit } from '../../src/domain/mpan.js';
import { formatCompactDate, formatDateTime } from '../../src/domain/time.js';

export interface ConsumptionOptions {
  sender: string;
  role?: string;
  environment?: string;
  /** Settlement day (UTC midnight, epoch ms). */
  day?: number;
  /** Distinguishes this message's MPAN and SUR. */
  index: number;
  /** Shared by the messages of a run so SURs never collide across runs. */
  run?: string;
  /** Every message for this MPAN (default: one MPAN per index). */
  mpan?: string;
}

/** A valid MPAN core, one per `n` below 10^10. */
export function mpanFor(n: number): string {
  return withCheckDigit(`19${String(n).padStart(10, '0')}`.slice(0, 12));
}

export function consumptionPayload(o: ConsumptionOptions): Record<string, unknown> {
  const day = o.day ?? Date.UTC(2026, 0, 1);
  const run = o.run ?? randomBytes(4).toString('hex');
  const role = o.role ?? 'SDS';
  const periods = Array.from({ length: 48 }, (_, i) => ({
    sp: formatDateTime(day + i * 1_800_000),
    v: (((o.index * 7 + i * 13) % 1000) / 1000 + 0.1).toFixed(3),
    q: 'A',
    e: null,
    arc: null,
  }));
  return {
    CommonBlock: {
      S0: { interfaceID: 'IF-021', schemaVersion: '011', eventCode: '[ActivePower]' },
      S1: {
        environmentTag: o.environment ?? 'DEV',
        subText: null,
        senderUniqueReference: `S-IF-021-${o.sender}-${role}-${formatCompactDate(day)}-${run}${o.index.toString(16)}`,
        senderTimestamp: formatDateTime(Date.now() - 60_000),
        senderDIPID: o.sender,
        senderRoleID: role,
        senderCorrelationID: null,
        DIPConnectionProviderID: null,
      },
      M0: { MPANCore: o.mpan ?? mpanFor(o.index), distributorDIPID: '1600000001', GSPGroupID: '_A' },
    },
    CustomBlock: {
      B044: { issuingDataServiceDIPID: o.sender },
      B067: { connectionTypeIndicator: 'W', connectionTypeEffectiveFromDate: '2020-01-01T00:00:00+00:00' },
      B900: {
        MQID: { measurementQuantityID: 'AI' },
        settlementDayConsumptionPeriods: [
          {
            settlementDay: { settlementDayDate: formatDateTime(day), periodDuration: 30 },
            consumptionPeriods: periods,
          },
        ],
      },
    },
  };
}

/** A request body of `count` consumption messages. */
export function consumptionBatch(count: number, o: Omit<ConsumptionOptions, 'index'>, offset = 0): Buffer {
  const run = o.run ?? randomBytes(4).toString('hex');
  const parts: string[] = [];
  for (let i = 0; i < count; i++)
    parts.push(JSON.stringify({ payload: consumptionPayload({ ...o, run, index: offset + i }) }));
  return Buffer.from(`[${parts.join(',')}]`);
}
