/**
 * The thread that makes the keyring's BBS signatures (bbs-2023 base proofs). BBS over BLS12-381 is
 * pure JavaScript here (@noble/curves under @digitalbazaar/bbs-signatures): about 140 ms of CPU a
 * signature, which on the event loop would stall every other request for as long. The secret key
 * reaches this thread once, in its workerData, from the keyring that loaded it; it answers each
 * `{ id, header, messages }` with `{ id, signature }` or `{ id, error }` and never sends the key back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';

interface BbsThreadData {
  publicKeyMultibase: string;
  secretKeyMultibase: string;
}

interface BbsKeyPair {
  signer(): { multisign(input: { header: Uint8Array; messages: Uint8Array[] }): Promise<Uint8Array> };
}

const data = workerData as BbsThreadData;
const keyPair = (await Bls12381Multikey.from({ type: 'Multikey', publicKeyMultibase: data.publicKeyMultibase, secretKeyMultibase: data.secretKeyMultibase })) as BbsKeyPair;
const signer = keyPair.signer();

// One signature after the other, in the order they arrive. bbs-signer.ts hands over the next one
// only once this one is answered (it keeps the queue, to put status lists first), so this only makes sure.
let previous: Promise<unknown> = Promise.resolve();
parentPort?.on('message', (request: { id: number; header: Uint8Array; messages: Uint8Array[] }) => {
  previous = previous.then(() =>
    signer.multisign({ header: request.header, messages: request.messages }).then(
      (signature) => parentPort?.postMessage({ id: request.id, signature }),
      (error: unknown) => parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    ),
  );
});
parentPort?.postMessage({ ready: true });
