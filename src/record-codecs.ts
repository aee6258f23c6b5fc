/**
 * What storage needs from the domain to write records it keeps but does not interpret (storage
 * imports no domain module): the audit leaf and its hash, and the status bit edit. The
 * composition root (src/service.ts), the CLI and the tests open stores with these.
 */
import { auditLeaf } from './audit/log.js';
import { getStatusValue, setStatusBit } from './status-lists/bitstring.js';
import type { RecordCodecs } from './storage/store.js';

// `module`: this file, so that SQLite's writer thread loads the same codecs.
export const recordCodecs: RecordCodecs = {
  auditLeaf,
  setStatusBit,
  statusValue: (list, index) => getStatusValue(list.bits, index, list.statusSize),
  module: import.meta.url,
};
