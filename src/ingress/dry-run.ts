/**
 * The /validate/{IF-xxx}/{Event} endpoints (2.2.1 facts §3.12): judge messages exactly as the send API
 * would, less what depends on who sends, and name every problem found.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Catalogue, JsonObject } from '../catalogue/catalogue.js';
import { invalidMpans } from '../catalogue/mpan-fields.js';
import type { SenderBlock } from '../domain/model.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { mpanProblem, mpanProblems, staticProblems, type Problem, type StaticContext } from './checks.js';
import { splitJsonArray } from '../domain/json-array.js';
import { examineElement, type Examined } from './examine.js';

export type ValidateTarget = { channel: string; eventCode: string };

/** Finds the endpoint for a path, tolerating case as the DIP does on ingress. */
export function findValidateTarget(catalogue: Catalogue, channel: string, event: string): ValidateTarget | null {
  const exact = catalogue.validatePaths.get(`${channel.toUpperCase()}/${event}`);
  if (exact) return exact;
  const wanted = `${channel}/${event}`.toLowerCase();
  for (const [path, target] of catalogue.validatePaths) if (path.toLowerCase() === wanted) return target;
  return null;
}

/** Limits that keep an unauthenticated endpoint cheap: a request is for debugging a few messages. */
export const VALIDATE_LIMITS = { messages: 1000, problems: 200 } as const;

/**
 * Check-digit failures, also in a message with schema problems; there an MPAN that is not 13 digits has
 * already been named by the schema, so only 13-digit ones are judged.
 */
function mpanProblemsOf(e: Extract<Examined, { kind: 'valid' | 'schema' }>): Problem[] {
  if (e.kind === 'valid') return mpanProblems(e.payload, e.mpanFields);
  if (!e.canonical) return [];
  return invalidMpans(e.canonical.payload, e.canonical.mpanFields)
    .filter((f) => typeof f.value === 'string' && /^\d{13}$/.test(f.value))
    .map(mpanProblem);
}

export async function validateMessages(
  catalogue: Catalogue,
  schemas: SchemaRegistry,
  target: ValidateTarget,
  body: Buffer,
  ctx: Omit<StaticContext, 'channel'>,
): Promise<string[]> {
  const split = splitJsonArray(body, VALIDATE_LIMITS.messages);
  if (!split.ok) {
    return [
      split.tooMany
        ? `${split.problem}; validate at most ${VALIDATE_LIMITS.messages} at a time`
        : split.tooDeep
          ? `the request body is ${split.problem}`
          : `the request body is not valid JSON: ${split.problem}`,
    ];
  }
  if (split.starts.length === 0) return ['the request body must contain at least one message: [ {"payload": {...}} ]'];
  const problems: string[] = [];
  for (let i = 0; i < split.starts.length && problems.length < VALIDATE_LIMITS.problems; i++) {
    if (i > 0 && i % 50 === 0) await yieldToEventLoop();
    const at = (p: string): string => `message ${i}: ${p}`;
    const e = examineElement(
      catalogue,
      schemas,
      target.channel,
      { body, start: split.starts[i]!, end: split.ends[i]!, names: split.names[i]! },
      i,
      {
        explain: true,
        ...(ctx.checkReports ? { checkReports: true } : {}),
        ...(ctx.closedVersions ? { closed: ctx.closedVersions } : {}),
      },
    );
    if (e.kind === 'unreadable') {
      problems.push(at(e.problem.replace(/^message \d+ /, '')));
      continue;
    }
    if (e.kind === 'interface') {
      problems.push(at(`MSG1002 - ${e.help}`));
      continue;
    }
    if (e.kind === 'schema') problems.push(...e.problems.map(at));
    if (e.eventCode !== null && e.eventCode !== target.eventCode) {
      problems.push(
        at(`/CommonBlock/S0/eventCode '${e.eventCode}' is not the event of this endpoint, ${target.eventCode}`),
      );
    }
    const s1: unknown = e.s1;
    if (s1 !== null && typeof s1 === 'object' && !Array.isArray(s1)) {
      problems.push(
        ...staticProblems(s1 as Partial<SenderBlock> & JsonObject, { ...ctx, channel: target.channel }).map((p) =>
          at(`${p.code} - ${p.help}`),
        ),
      );
    }
    problems.push(...mpanProblemsOf(e).map((p) => at(`${p.code} - ${p.help}`)));
  }
  if (problems.length >= VALIDATE_LIMITS.problems)
    problems.splice(
      VALIDATE_LIMITS.problems,
      Infinity,
      `... and possibly more: at most ${VALIDATE_LIMITS.problems} problems are listed`,
    );
  return problems;
}
