/**
 * TEST FIXTURES ONLY: the service's own keys without the signing policy, to craft what a third
 * party, a notary outside the flow under test, or an attacker holding the key would sign (a
 * status list at another URL, a notarised number, a generic credential with a status entry). The
 * service never hands such an issuer to a route or a module: everything it signs goes through
 * src/issuing/signing-policy.ts, which these fixtures deliberately step around.
 */
import { systemClock, type Clock } from '../../src/clock.js';
import { createIssuer, type Issuer } from '../../src/issuing/index.js';
import { createRecordingIssuer, type RecordingIssuer } from '../../src/issuing/recorded.js';
import type { Service } from '../../src/service.js';
import { StatusListAllocator } from '../../src/status-lists/allocator.js';

export function unscopedIssuer(service: Service, clock: Clock = systemClock): Issuer {
  return createIssuer({ keyring: service.keyring, documentLoader: service.documentLoader, clock, memberSigning: service.members.signing });
}

/** The same, storing each credential with its audit entry and status allocations in the service's store. */
export function unscopedRecordingIssuer(service: Service, clock: Clock = systemClock): RecordingIssuer {
  return createRecordingIssuer({
    issuer: unscopedIssuer(service, clock),
    store: service.store,
    allocator: new StatusListAllocator({ store: service.store, baseUrl: service.config.baseUrl, issuers: service.statusListIssuers }),
  });
}
