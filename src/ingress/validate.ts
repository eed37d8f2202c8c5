/**
 * The /validate/{IF-xxx}/{Event} endpoints (2.2.1 facts §3.12): check messages against one event's
 * schema and the DIP's caller-independent data rules, and name every problem found.
 */
import type { Catalogue, JsonObject } from '../catalogue/catalogue.js';
import type { SenderBlock } from '../domain/model.js';
import { getProperty } from '../validation/canonical.js';
import type { SchemaRegistry } from '../validation/schemas.js';
import { staticProblems, type StaticContext } from './checks.js';
import { splitJsonArray } from './envelope.js';

export type ValidateTarget = { channel: string; eventCode: string; document: number; schemaName: string };

/** Finds the endpoint for a path, tolerating case as the DIP does on ingress. */
export function findValidateTarget(catalogue: Catalogue, channel: string, event: string): ValidateTarget | null {
  const exact = catalogue.validatePaths.get(`${channel.toUpperCase()}/${event}`);
  if (exact) return exact;
  const wanted = `${channel}/${event}`.toLowerCase();
  for (const [path, target] of catalogue.validatePaths) if (path.toLowerCase() === wanted) return target;
  return null;
}

export function validateMessages(
  catalogue: Catalogue,
  schemas: SchemaRegistry,
  target: ValidateTarget,
  body: Buffer,
  ctx: Omit<StaticContext, 'channel'>,
): string[] {
  const split = splitJsonArray(body);
  if (!split.ok) return [`the request body is not valid JSON: ${split.problem}`];
  if (split.starts.length === 0) return ['the request body must contain at least one message: [ {"payload": {...}} ]'];
  const compiled = schemas.forLeaf(target);
  const problems: string[] = [];
  for (let i = 0; i < split.starts.length; i++) {
    const at = (p: string): string => `message ${i}: ${p}`;
    let element: unknown;
    try {
      element = JSON.parse(body.toString('utf8', split.starts[i], split.ends[i]));
    } catch (e) {
      problems.push(at(`not valid JSON: ${(e as Error).message}`));
      continue;
    }
    const payload = getProperty(element, 'payload');
    if (payload === undefined || payload === null || typeof payload !== 'object') {
      problems.push(at('must be an object {"payload": {...}}'));
      continue;
    }
    const canonical = compiled.canonicalise(payload) as JsonObject;
    const schemaProblems = compiled.explain(canonical);
    problems.push(...schemaProblems.map(at));
    const common = getProperty(canonical, 'CommonBlock');
    const s0 = getProperty(common, 'S0') as JsonObject | undefined;
    if (s0?.interfaceID !== undefined && s0.interfaceID !== target.channel) {
      problems.push(at(`MSG1002 - /CommonBlock/S0/interfaceID '${String(s0.interfaceID)}' does not match ${target.channel}`));
    }
    if (s0?.eventCode !== undefined && s0.eventCode !== target.eventCode) {
      problems.push(at(`/CommonBlock/S0/eventCode '${String(s0.eventCode)}' is not the event of this endpoint, ${target.eventCode}`));
    }
    const s1 = getProperty(common, 'S1');
    if (s1 !== null && typeof s1 === 'object' && !Array.isArray(s1)) {
      problems.push(...staticProblems(s1 as Partial<SenderBlock>, { ...ctx, channel: target.channel }).map((p) => at(`${p.code} - ${p.help}`)));
    }
  }
  return problems;
}
