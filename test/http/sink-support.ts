/**
 * What the sink tests send: signed webhook calls as a DIP makes them, with made-up messages and status items.
 */
import { Agent, request } from 'undici';
import type { StandardResponse } from '../../src/domain/responses.js';
import type { Sink } from '../../src/sink/types.js';
import { testPki } from '../helpers/pki.js';
import { participantSignature } from '../helpers/signer.js';

export const SUP = '1000000001';
export const MPO = JSON.stringify({ dipId: SUP, role: 'SUP', name: 'Démo Supplier One' }).replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
);

export function message(i: number, channel = 'IF-021'): { payload: Record<string, unknown> } {
  return {
    payload: {
      CommonBlock: {
        S0: { interfaceID: channel, schemaVersion: '011', eventCode: '[ActivePower]' },
        S1: {
          environmentTag: 'DEV',
          subText: null,
          senderUniqueReference: `S-${channel}-1200000001-SDS-20260101-a${i}`,
          senderTimestamp: '2026-01-01T00:00:00+00:00',
          senderDIPID: '1200000001',
          senderRoleID: 'SDS',
          senderCorrelationID: null,
          DIPConnectionProviderID: null,
        },
        D0: {
          transactionID: `T-${channel}-1200000001-SDS-20260101-${String(i).padStart(16, '0')}`,
          transactionTimestamp: '2026-01-01T00:00:01+00:00',
          publicationID: `PUB-${channel.slice(3)}`,
          initialCorrelationID: i % 2 ? `CI-${i}` : null,
          replayIndicator: false,
          serviceTicketURL: null,
        },
      },
      CustomBlock: { B900: { n: i } },
    },
  };
}

export const statusItem = (i: number) => ({
  transactionID: `T-IF-021-1200000001-SDS-20260101-${i}`,
  senderUniqueReference: null,
  correlationID: null,
  sentTimestamp: '2026-01-01T00:00:00+00:00',
  senderID: '1100000001',
  recipientID: SUP,
  DIPConnectionProviderID: null,
  message: 'MSG1030 - Msg Addressing / Routing Error',
  help: null,
  serviceTicketURL: null,
});

export interface Post {
  path?: string;
  /** Sign as this key/certificate; default the DIP's (a certificate of the trusted test CA). */
  signer?: { privateKeyPem: string; certificatePem: string } | null;
  /** Rewrites the signed headers before sending. */
  tamper?: (h: Record<string, string>) => void;
  signedUrl?: string;
  dispatcher?: Agent;
}

export async function post(
  s: Sink,
  body: unknown,
  o: Post = {},
): Promise<{ status: number; json: StandardResponse; headers: Record<string, unknown> }> {
  const url = `${s.url}${o.path ?? '/sup/IF-021'}`;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signer = o.signer === undefined ? (await testPki()).server : o.signer;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-dip-mpo': MPO };
  if (signer)
    Object.assign(
      headers,
      participantSignature({
        method: 'POST',
        url: o.signedUrl ?? url,
        body: text,
        keyPem: signer.privateKeyPem,
        certPem: signer.certificatePem,
      }),
    );
  o.tamper?.(headers);
  const res = await request(url, {
    method: 'POST',
    headers,
    body: text,
    ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
  });
  return { status: res.statusCode, json: (await res.body.json()) as StandardResponse, headers: res.headers };
}
