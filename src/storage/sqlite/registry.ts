/** The participant registry on SQLite: participants and their roles, DCP grants, certificates, API keys. */
import type { DcpGrant, Participant, RegistryData, Role } from '../../domain/model.js';
import { REGISTRY_QUERIES, toRegistry, type Row } from '../rows.js';
import { immediate, statement, type Sqlite } from './context.js';

const read = {
  roles: statement(REGISTRY_QUERIES.roles),
  participants: statement(REGISTRY_QUERIES.participants),
  grants: statement(REGISTRY_QUERIES.grants),
  certificates: statement(REGISTRY_QUERIES.certificates),
  apiKeys: statement(REGISTRY_QUERIES.apiKeys),
};
const upsertParticipant = statement(
  'INSERT INTO participants (dip_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (dip_id) DO UPDATE SET name = excluded.name',
);
const clearRoles = statement('DELETE FROM participant_roles WHERE dip_id = ?');
const addRole = statement('INSERT INTO participant_roles (dip_id, role) VALUES (?, ?)');
const grant = statement(
  'INSERT INTO dcp_grants (participant_id, role, dcp_id) VALUES (?, ?, ?) ON CONFLICT (participant_id, role) DO UPDATE SET dcp_id = excluded.dcp_id',
);
const revoke = statement('DELETE FROM dcp_grants WHERE participant_id = ? AND role = ?');
const apiKey = statement(
  'INSERT INTO api_keys (key_hash, dip_id, label, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key_hash) DO UPDATE SET dip_id = excluded.dip_id',
);
const participantCount = statement('SELECT count(*) FROM participants', 'pluck');

export async function loadRegistry(c: Sqlite): Promise<RegistryData> {
  return toRegistry({
    roles: read.roles(c).all() as Row[],
    participants: read.participants(c).all() as Row[],
    grants: read.grants(c).all() as Row[],
    certificates: read.certificates(c).all() as Row[],
    apiKeys: read.apiKeys(c).all() as Row[],
  });
}

export async function saveParticipant(c: Sqlite, p: Participant): Promise<void> {
  immediate(c, () => {
    upsertParticipant(c).run(p.dipId, p.name, Date.now());
    clearRoles(c).run(p.dipId);
    for (const role of new Set(p.roles)) addRole(c).run(p.dipId, role);
  });
}

export async function grantDcp(c: Sqlite, g: DcpGrant): Promise<void> {
  grant(c).run(g.participantId, g.role, g.dcpId);
}

export async function revokeDcp(c: Sqlite, participantId: string, role: Role): Promise<void> {
  revoke(c).run(participantId, role);
}

export async function addApiKey(c: Sqlite, keyHash: string, dipId: string, label: string): Promise<void> {
  apiKey(c).run(keyHash, dipId, label, Date.now());
}

export async function isEmpty(c: Sqlite): Promise<boolean> {
  return participantCount(c).get() === 0;
}
