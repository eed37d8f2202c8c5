/**
 * Signed routes: every DIP call but /validate is signed like the send API and authenticated from its
 * headers before its body is read (preParsing); the body must then match the signed hash. `refuseCall`
 * answers with one StandardResponse item and audits the refusal.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CHANNEL } from '../domain/delivery.js';
import { OPERATOR_ROLE } from '../domain/model.js';
import type { MsgCode } from '../domain/responses.js';
import { createCertificateCache } from '../crypto/certificates.js';
import { authenticate, verifyBody, type AuthResult } from '../ingress/authenticate.js';
import { rolesFor } from '../registry/entitlement.js';
import { clientCertificateOf, continueIfExpected, publicUrlOf, refuse, type AppDeps } from './context.js';

export type Authenticated = Extract<AuthResult, { ok: true }>;

declare module 'fastify' {
  interface FastifyRequest {
    auth?: Authenticated;
    /** On recipient paths: the recipient's roles the caller acts in (WHOLE too when it is the recipient itself). */
    roles?: string[];
  }
}

/** The hooks a signed route runs before its handler: authenticate the headers, check entitlement, verify the body. */
export function signedGuards(deps: AppDeps) {
  const { config, clock, callLog } = deps;
  const certificates = createCertificateCache();

  const refuseCall = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    code: MsgCode,
    help: string,
  ): FastifyReply => {
    const now = clock.now();
    request.facts.audited = true;
    callLog.record({
      at: now,
      requestId: request.id,
      callerId: request.auth?.caller.dipId ?? null,
      method: request.method,
      path: request.url,
      channel: request.facts.channel,
      status,
      messages: 0,
      accepted: 0,
      durationMs: Math.max(0, now - request.facts.startedAt),
      remote: request.ip,
      outcome: `${code}: ${help}`,
      evidence: request.facts.evidence ?? null,
      onBehalfOf: request.facts.onBehalfOf ?? null,
    });
    return refuse(reply.header('connection', 'close'), deps, status, code, help, request.auth?.caller.dipId ?? null);
  };

  /** Authenticates from the headers; on failure the reply is sent and false returned. */
  const authenticateHeaders = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const auth = authenticate(
      {
        method: request.method,
        url: publicUrlOf(request, config),
        headers: request.headers,
        rawHeaders: request.raw.rawHeaders,
        clientCertificate: clientCertificateOf(request),
      },
      {
        registry: deps.registry.view(),
        anchors: deps.anchors,
        clientAnchors: deps.clientAnchors,
        now: clock.now(),
        maxSkewMs: config.signatureMaxSkewSeconds * 1000,
        requireApiKey: config.requireApiKey,
        mtls: config.tls.mtls,
      },
      certificates,
    );
    if (!auth.ok) {
      refuseCall(request, reply, auth.status, auth.code, auth.help);
      return false;
    }
    request.auth = auth;
    request.facts.callerId = auth.caller.dipId;
    continueIfExpected(request, reply);
    return true;
  };

  /**
   * The body as read, or null (and the reply sent) when it is not what was signed. From here on the call's
   * audit record carries its evidence (request.facts.evidence), whichever way the record is written.
   */
  const signedBody = (request: FastifyRequest, reply: FastifyReply): Buffer | null => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const verified = verifyBody(body, request.auth!.signed);
    if (!verified.ok) {
      refuseCall(request, reply, verified.status, verified.code, verified.help);
      return null;
    }
    request.facts.evidence = verified.evidence;
    return body;
  };

  /**
   * The caller may act for the participant named in the path in at least one role (request.roles says
   * which); otherwise 403 is sent.
   */
  const mayActFor = (request: FastifyRequest, reply: FastifyReply, participantId: string): boolean => {
    request.roles = rolesFor(deps.registry.view(), request.auth!.caller.dipId, participantId);
    if (request.roles.length > 0) return true;
    refuseCall(
      request,
      reply,
      403,
      'MSG1000',
      `${request.auth!.caller.dipId} may not act for ${participantId}: only the participant itself or a DIP Connection Provider it assigned a role to may`,
    );
    return false;
  };

  /** The `{version}` of the path is the one served; otherwise 404 is sent. */
  const versionServed = (request: FastifyRequest<{ Params: { version: string } }>, reply: FastifyReply): boolean => {
    if (request.params.version === config.apiVersion) return true;
    refuseCall(
      request,
      reply,
      404,
      'MSG1000',
      `API version '${request.params.version}' is not served here; use /${config.apiVersion}/...`,
    );
    return false;
  };

  /**
   * For paths under /dip-channel/{id}/…/{recipient-id} and their /statusmessage/…/{recipient-id} twins: the
   * channel (STATUS without an id) is served and the signed caller may act for the recipient; otherwise
   * the refusal is sent. Runs before the body is read.
   */
  const recipientPreParsing = async (
    request: FastifyRequest<{ Params: { version: string; id?: string; recipient: string } }>,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    const { id } = request.params;
    const channel = id === undefined ? STATUS_CHANNEL : id.toUpperCase();
    request.facts.channel = channel;
    if (!versionServed(request, reply)) return payload;
    if (channel !== STATUS_CHANNEL && !deps.catalogue.channels.has(channel)) {
      refuseCall(request, reply, 404, 'MSG1002', `'${id}' is not a DIP channel`);
      return payload;
    }
    if (authenticateHeaders(request, reply)) mayActFor(request, reply, request.params.recipient);
    return payload;
  };

  /**
   * For /{version}/admin/...: the signed caller itself holds OPERATOR (a DCP grant never confers it);
   * otherwise 403 is sent. Runs before the body is read.
   */
  const operatorPreParsing = async (
    request: FastifyRequest<{ Params: { version: string } }>,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> => {
    if (!versionServed(request, reply) || !authenticateHeaders(request, reply)) return payload;
    const callerId = request.auth!.caller.dipId;
    if (deps.registry.view().participant(callerId)?.roles.includes(OPERATOR_ROLE)) return payload;
    refuseCall(
      request,
      reply,
      403,
      'MSG1000',
      `${callerId} is not an operator of this DIP: the operator API is open only to participants holding the ${OPERATOR_ROLE} role`,
    );
    return payload;
  };

  return {
    refuseCall,
    authenticateHeaders,
    signedBody,
    mayActFor,
    versionServed,
    recipientPreParsing,
    operatorPreParsing,
  };
}
