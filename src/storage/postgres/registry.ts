/** The participant registry on PostgreSQL: participants and their roles, DCP grants, certificates, API keys. */
import type { DcpGrant, Participant, RegistryData, Role } from '../../domain/model.js';
import { REGISTRY_QUERIES, toRegistry, type Row } from '../rows.js';
import { transaction, type Postgres } from './pool.js';

export async function loadRegistry(c: Postgres): Promise<RegistryData> {
  const q = async (sql: string) => (await c.pool.query(sql)).rows as Row[];
  const roles = await q(REGISTRY_QUERIES.roles);
  const [participants, grants, certificates, apiKeys] = await Promise.all([
    q(REGISTRY_QUERIES.participants),
    q(REGISTRY_QUERIES.grants),
    q(REGISTRY_QUERIES.certificates),
    q(REGISTRY_QUERIES.apiKeys),
  ]);
  return toRegistry({ roles, participants, grants, certificates, apiKeys });
}

export async function saveParticipant(c: Postgres, p: Participant): Promise<void> {
  await transaction(c.pool, async (t) => {
    await t.query(
      'INSERT INTO participants (dip_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (dip_id) DO UPDATE SET name = excluded.name',
      [p.dipId, p.name, Date.now()],
    );
    await t.query('DELETE FROM participant_roles WHERE dip_id = $1', [p.dipId]);
    await t.query('INSERT INTO participant_roles (dip_id, role) SELECT $1, r FROM unnest($2::text[]) AS r', [
      p.dipId,
      [...new Set(p.roles)],
    ]);
  });
}

export async function grantDcp(c: Postgres, g: DcpGrant): Promise<void> {
  await c.pool.query(
    'INSERT INTO dcp_grants (participant_id, role, dcp_id) VALUES ($1, $2, $3) ON CONFLICT (participant_id, role) DO UPDATE SET dcp_id = excluded.dcp_id',
    [g.participantId, g.role, g.dcpId],
  );
}

export async function revokeDcp(c: Postgres, participantId: string, role: Role): Promise<void> {
  await c.pool.query('DELETE FROM dcp_grants WHERE participant_id = $1 AND role = $2', [participantId, role]);
}

export async function addApiKey(c: Postgres, keyHash: string, dipId: string, label: string): Promise<void> {
  await c.pool.query(
    'INSERT INTO api_keys (key_hash, dip_id, label, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO UPDATE SET dip_id = excluded.dip_id',
    [keyHash, dipId, label, Date.now()],
  );
}

export async function isEmpty(c: Postgres): Promise<boolean> {
  return Number(((await c.pool.query('SELECT count(*) AS n FROM participants')).rows[0] as Row).n) === 0;
}
