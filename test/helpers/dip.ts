/**
 * A DIP for tests: the real composition (startDip) on a temporary data directory, listening on
 * 127.0.0.1, with the test PKI and the demo market's participants registered. Requests go either
 * through Fastify's inject or over a real socket, signed by the independent participant signer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { buildBatch, buildPayload, type MessageSpec } from '../../src/catalogue/messages.js';
import type { Service } from '../../src/domain/appointments.js';
import { loadConfig, type ConfigFlags } from '../../src/config/config.js';
import type { StandardResponse } from '../../src/domain/responses.js';
import type { Clock } from '../../src/domain/time.js';
import { DEMO_PARTICIPANTS } from '../../src/demo/market.js';
import { startDip, type RunningDip } from '../../src/runtime/compose.js';
import { testPki, type TestPki } from './pki.js';
import { participantSignature } from './signer.js';

export interface TestDip {
  dip: RunningDip;
  pki: TestPki;
  dataDir: string;
  apiKeys: Record<string, string>;
  /** http(s)://127.0.0.1:port */
  origin: string;
  message(spec: Omit<MessageSpec, 'environment'> & { environment?: string }): { payload: Record<string, unknown> };
  batch(
    spec: Omit<MessageSpec, 'environment'> & { environment?: string },
    count: number,
  ): { payload: Record<string, unknown> }[];
  send(o: SendOptions): Promise<Reply>;
  /** Registers `url` as the webhook of `recipient` (default: the caller) for a channel, or STATUS for status messages. */
  subscribe(
    as: string,
    channel: string,
    url: string,
    options?: { recipient?: string; maxMessageCount?: number; maxPayloadSize?: number },
  ): Promise<Reply>;
  /** Records that `participantId` serves `mpan` as `service` from `from` (default: the epoch). */
  appoint(mpan: string, service: Service, participantId: string, from?: number): Promise<void>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface SendOptions {
  /** Whose key signs. */
  as: string;
  method?: 'POST' | 'GET' | 'DELETE';
  channel: string;
  body: unknown;
  /** Raw body bytes instead of JSON.stringify(body). */
  raw?: string | Buffer;
  path?: string;
  /** Signing key and certificate (default: the participant's). */
  key?: string;
  cert?: string;
  apiKey?: string | null;
  headers?: Record<string, string>;
  /** Drop these headers after signing. */
  omit?: string[];
  date?: string;
  /** The URL signed, when it should differ from the one called. */
  signedUrl?: string;
  transport?: 'inject' | 'socket';
  legacyCertificateHeader?: boolean;
  /** mTLS client certificate for socket requests over TLS. */
  tlsCert?: { cert: string; key: string } | null;
}

export interface Reply {
  status: number;
  headers: Record<string, unknown>;
  text: string;
  json: StandardResponse;
}

export interface TestDipOptions {
  flags?: ConfigFlags;
  clock?: Clock;
  dataDir?: string;
  /** Register the test market (default true). */
  market?: boolean;
}

export async function startTestDip(options: TestDipOptions = {}): Promise<TestDip> {
  const pki = await testPki();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opendip-test-'));
  const files = {
    ca: join(dataDir, 'test-ca.pem'),
    cert: join(dataDir, 'test-server.pem'),
    key: join(dataDir, 'test-server-key.pem'),
    dipCert: join(dataDir, 'test-dip.pem'),
    dipKey: join(dataDir, 'test-dip-key.pem'),
  };
  writeFileSync(files.ca, pki.ca.certificatePem);
  writeFileSync(files.cert, pki.server.certificatePem);
  writeFileSync(files.key, pki.server.privateKeyPem);
  writeFileSync(files.dipCert, pki.dip.certificatePem);
  writeFileSync(files.dipKey, pki.dip.privateKeyPem);
  const config = loadConfig(
    {
      dataDir,
      port: '0',
      host: '127.0.0.1',
      demo: false,
      tls: false,
      trustedCa: files.ca,
      tlsCert: files.cert,
      tlsKey: files.key,
      dipCert: files.dipCert,
      dipKey: files.dipKey,
      webhookCa: files.ca,
      ...options.flags,
    },
    {},
  );
  const dip = await startDip(config, {
    logger: pino({ level: 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const apiKeys: Record<string, string> = {};
  if (options.market !== false && (await dip.store.isEmpty())) {
    for (const p of DEMO_PARTICIPANTS)
      await dip.registry.saveParticipant({ dipId: p.dipId, name: p.name, roles: p.roles });
    for (const p of DEMO_PARTICIPANTS) {
      await dip.registry.registerCertificate(p.dipId, pki.participants[p.dipId]!.certificatePem);
      apiKeys[p.dipId] = await dip.registry.issueApiKey(p.dipId, 'test');
      for (const g of p.actsFor ?? [])
        await dip.registry.grantDcp({ dcpId: p.dipId, participantId: g.participant, role: g.role });
    }
    for (const cert of [pki.expired, pki.notYetValid, pki.untrusted, pki.secondSupplierOne]) {
      await dip.registry.registerCertificate('1000000001', cert.certificatePem).catch(() => undefined);
    }
  }
  const origin = dip.baseUrl.slice(0, dip.baseUrl.lastIndexOf('/'));
  const agent = new Agent({ connect: { ca: pki.ca.certificatePem } });
  const environment = config.environment;

  const send = async (o: SendOptions): Promise<Reply> => {
    const path = o.path ?? `/${config.apiVersion}/dip-channel/${o.channel}`;
    const method = o.method ?? 'POST';
    const body = o.raw ?? (o.body === undefined ? '' : JSON.stringify(o.body));
    const transport = o.transport ?? 'inject';
    const url = transport === 'inject' ? `http://localhost:80${path}` : `${origin}${path}`;
    const own = pki.participants[o.as];
    const signed = participantSignature({
      method,
      url: o.signedUrl ?? url,
      body,
      keyPem: o.key ?? own!.privateKeyPem,
      certPem: o.cert ?? own!.certificatePem,
      ...(o.date ? { date: o.date } : {}),
      ...(o.legacyCertificateHeader ? { legacyCertificateHeader: true } : {}),
    });
    const headers: Record<string, string> = {
      ...(body.length > 0 ? { 'content-type': 'application/json' } : {}),
      ...signed,
      ...o.headers,
    };
    const apiKey = o.apiKey === undefined ? apiKeys[o.as] : o.apiKey;
    if (apiKey) headers['x-api-key'] = apiKey;
    for (const h of o.omit ?? [])
      for (const k of Object.keys(headers)) if (k.toLowerCase() === h.toLowerCase()) delete headers[k];
    let status: number;
    let text: string;
    let replyHeaders: Record<string, unknown>;
    if (transport === 'inject') {
      const res = await dip.app.inject({ method, url: path, headers, ...(body.length > 0 ? { payload: body } : {}) });
      status = res.statusCode;
      text = res.body;
      replyHeaders = res.headers;
    } else {
      const tls = o.tlsCert === undefined ? { cert: own!.certificatePem, key: own!.privateKeyPem } : o.tlsCert;
      const dispatcher = tls
        ? new Agent({ connect: { ca: pki.ca.certificatePem, cert: tls.cert, key: tls.key } })
        : agent;
      const res = await request(url, { method, headers, ...(body.length > 0 ? { body } : {}), dispatcher });
      status = res.statusCode;
      text = await res.body.text();
      replyHeaders = res.headers;
      if (dispatcher !== agent) await dispatcher.close();
    }
    let json = {} as StandardResponse;
    try {
      json = JSON.parse(text) as StandardResponse;
    } catch {
      // left empty: the caller asserts on text
    }
    return { status, headers: replyHeaders, text, json };
  };

  return {
    dip,
    pki,
    dataDir,
    apiKeys,
    origin,
    message: (spec) => ({ payload: buildPayload(dip.catalogue, { environment, ...spec }) }),
    batch: (spec, count) => buildBatch(dip.catalogue, { environment, ...spec }, count),
    send,
    subscribe: (as, channel, url, options = {}) =>
      send({
        as,
        channel,
        apiKey: null,
        path:
          channel === 'STATUS'
            ? `/${config.apiVersion}/statusmessage/config/${options.recipient ?? as}`
            : `/${config.apiVersion}/dip-channel/${channel}/pubconfig/${options.recipient ?? as}`,
        body: {
          callbackURL: url,
          ...(options.maxMessageCount ? { maxMessageCount: options.maxMessageCount } : {}),
          ...(options.maxPayloadSize ? { maxPayloadSize: options.maxPayloadSize } : {}),
        },
      }),
    appoint: async (mpan, service, participantId, from = 0) => {
      await dip.store.applyMpanChanges([
        { mpan, service, action: 'appoint', participantId, at: from, sourceSeq: null },
      ]);
    },
    async close({ keepData = false } = {}) {
      await agent.close();
      await dip.close();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Each item's message code, e.g. ['MSG0000', 'MSG1006']. */
export const codes = (reply: Reply): string[] => reply.json.messageArray.map((i) => (i.message ?? '').slice(0, 7));
