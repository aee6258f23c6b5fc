/**
 * The ids gx-trust gives what it records (credentials, compliance decisions): UUIDv7 URNs
 * (RFC 9562 §5.7). Each issuance writes its id into three B-trees keyed by it (the primary keys of
 * issued_credentials and credential_records, audit_entries' subject index); a random (v4) id puts
 * each issuance on a leaf page of its own in each, pages no other issuance of the group commit
 * shares (WAL frames on SQLite, random index pages on PostgreSQL). A v7 id starts with the Unix
 * millisecond, so issuances append near the right edge of each tree and a group's issuances share
 * its leaves (docs/storage.md, "Time-ordered ids").
 */
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/**
 * Random bytes drawn 256 ids at a time, as node's randomUUID draws its own: one CSPRNG call per
 * id cost about 6 µs, the pool about 0.4 µs (randomUUID 0.2-0.3 µs).
 */
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

/**
 * `urn:uuid:` + a fresh UUIDv7 from the wall clock (not the service's clock: locality in the
 * B-trees is about when rows are written). All 74 bits after the timestamp, version and variant
 * come from the CSPRNG for every id: the library's default seeds a counter once per millisecond
 * (32 of those bits, its top bit kept zero) and increments it, so the id made after a known one
 * would have only 42 fresh bits; `seq` given whole fills the counter field with random bits too.
 */
export function newCredentialId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(16 * next, 16 * ++next);
  return `urn:uuid:${v7({ random, seq: random.readUInt32BE(6) })}`;
}
