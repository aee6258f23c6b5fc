/**
 * The bitstring of a W3C Bitstring Status List: index 0 is the left-most (most significant) bit
 * of byte 0. An entry of statusSize bits holds bits index x statusSize onwards, its first bit the
 * most significant of its value.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-encoding
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-generation-algorithm
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

/** The value of entry `index` of width `statusSize`. */
export function getStatusValue(bits: Uint8Array, index: number, statusSize = 1): number {
  let value = 0;
  for (let bit = index * statusSize; bit < (index + 1) * statusSize; bit++) value = value * 2 + (getBit(bits, bit) ? 1 : 0);
  return value;
}

export function assertStatusIndex(list: { id: string; size: number }, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= list.size) {
    throw new GxTrustError('INVALID_INPUT', `Status index ${index} is outside list ${list.id} (size ${list.size})`);
  }
}

/**
 * A status change applied to a stored list's bits: the index checked, then the entry set — a bit
 * set or cleared (true/false, or 1/0), or the value of a wider entry written most significant bit
 * first.
 */
export function setStatusBit(list: { id: string; size: number; statusSize?: number; bits: Uint8Array }, index: number, value: boolean | number): void {
  assertStatusIndex(list, index);
  const width = list.statusSize ?? 1;
  const number = typeof value === 'boolean' ? Number(value) : value;
  if (!Number.isSafeInteger(number) || number < 0 || number >= 2 ** width) {
    throw new GxTrustError('INVALID_INPUT', `Status value ${value} does not fit the ${width}-bit entries of list ${list.id}`);
  }
  for (let bit = 0; bit < width; bit++) setBit(list.bits, index * width + bit, ((number >> (width - 1 - bit)) & 1) === 1);
}
