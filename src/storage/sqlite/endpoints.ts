/** The operator's endpoint listing on SQLite (endpoints-sql.ts): reads only. */
import {
  ENDPOINT_PENDING_CAP,
  type EndpointCursor,
  type EndpointFilter,
  type EndpointView,
} from '../../domain/endpoint-view.js';
import { endpointListSql, toEndpointView } from '../endpoints-sql.js';
import type { Row } from '../rows.js';
import { namedParams, type Sqlite } from './context.js';

export async function listEndpoints(
  c: Sqlite,
  filter: EndpointFilter,
  after: EndpointCursor | null,
  limit: number,
): Promise<EndpointView[]> {
  const { param, values } = namedParams();
  const sql = endpointListSql(filter, after, limit, ENDPOINT_PENDING_CAP, "json_extract(e.breaker, '$.state')", param);
  return (c.db.prepare(sql).all(values) as Row[]).map(toEndpointView);
}
