/** The operator's endpoint listing on PostgreSQL (endpoints-sql.ts): reads only. */
import {
  ENDPOINT_PENDING_CAP,
  type EndpointCursor,
  type EndpointFilter,
  type EndpointView,
} from '../../domain/endpoint-view.js';
import { endpointListSql, toEndpointView } from '../endpoints-sql.js';
import type { Row } from '../rows.js';
import { Params, type Postgres } from './pool.js';

export async function listEndpoints(
  c: Postgres,
  filter: EndpointFilter,
  after: EndpointCursor | null,
  limit: number,
): Promise<EndpointView[]> {
  const p = new Params();
  const sql = endpointListSql(filter, after, limit, ENDPOINT_PENDING_CAP, "(e.breaker::jsonb ->> 'state')", (v) =>
    p.add(v),
  );
  return ((await c.pool.query(sql, p.values)).rows as Row[]).map(toEndpointView);
}
