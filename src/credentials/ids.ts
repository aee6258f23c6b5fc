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
 * B-trees is about when rows are written). Random bytes are passed on every call so that every bit
 * after the timestamp, version and variant comes from the CSPRNG (73 of them: uuid keeps the top
 * bit of its counter field zero); the library's default would seed a counter once per millisecond
 * and give the id after a known one only 42 fresh bits.
 */
export function newCredentialId(): string {
  return `urn:uuid:${v7({ random: randomBytes(16) })}`;
}
