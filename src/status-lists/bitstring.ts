/**
 * The bitstring of a W3C Bitstring Status List: index 0 is the left-most (most significant) bit
 * of byte 0.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-encoding
 */
import { GxTrustError } from '../errors.js';

export function getBit(bits: Uint8Array, index: number): boolean {
  return ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;
}

export function setBit(bits: Uint8Array, index: number, value: boolean): void {
  const mask = 0x80 >> (index & 7);
  const byte = bits[index >> 3] ?? 0;
  bits[index >> 3] = value ? byte | mask : byte & ~mask;
}

export function assertStatusIndex(list: { id: string; size: number }, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= list.size) {
    throw new GxTrustError('INVALID_INPUT', `Status index ${index} is outside list ${list.id} (size ${list.size})`);
  }
}

/** A status change applied to a stored list's bits: the index checked, then the bit set or cleared. */
export function setStatusBit(list: { id: string; size: number; bits: Uint8Array }, index: number, value: boolean): void {
  assertStatusIndex(list, index);
  setBit(list.bits, index, value);
}
