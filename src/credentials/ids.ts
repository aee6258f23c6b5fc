/**
 * The ids gx-trust gives what it records (credentials, compliance decisions): UUIDv7 URNs
 * (RFC 9562 §5.7). Each issuance writes its id into four B-trees (issued_credentials,
 * status_allocations' credential index, credential_records, audit_entries' subject index); a
 * random (v4) id puts each issuance on its own leaf page of each, so a group commit dirtied about
 * four pages per issuance that no other issuance of the group shared (WAL frames on SQLite, random
 * index pages on PostgreSQL). A v7 id starts with the Unix millisecond, so issuances append near
 * the right edge of each tree and a group's issuances share its leaves (docs/performance.md).
 */
import { randomBytes } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * `urn:uuid:` + a fresh UUIDv7 from the wall clock (not the service's clock: locality in the
 * B-trees is about when rows are written). All 74 bits after the timestamp, version and variant
 * come from the CSPRNG for every id: the library's default seeds a counter once per millisecond
 * (32 of those bits, its top bit kept zero) and increments it, so the id made after a known one
 * would have only 42 fresh bits; `seq` given whole fills the counter field with random bits too.
 */
export function newCredentialId(): string {
  const random = randomBytes(16);
  return `urn:uuid:${v7({ random, seq: random.readUInt32BE(6) })}`;
}
