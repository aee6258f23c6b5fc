/**
 * API keys: how they are made and how they are recognised. A key is 32 random bytes; only its
 * SHA-256 is ever stored or compared.
 */
import { createHash, randomBytes } from 'node:crypto';

/** `gx_` + 43 base64url characters; anything else cannot be a stored key, so no lookup is made. */
export const API_KEY_SHAPE = /^gx_[A-Za-z0-9_-]{43}$/;

/** API keys: 32 random bytes, so a plain SHA-256 is enough (see apiKeyDigest). */
export function generateApiKey(): string {
  return `gx_${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of the key. A slow password hash (scrypt, argon2) protects guessable secrets; these keys
 * carry 256 random bits, so no guess list exists and a fast hash costs an attacker as much as
 * brute force of the key itself, while every request can look its key up by an indexed hash.
 */
export function apiKeyDigest(apiKey: string): Buffer {
  return createHash('sha256').update(apiKey, 'utf8').digest();
}

/** The digest as the store keeps it (hex). */
export function apiKeyHash(apiKey: string): string {
  return apiKeyDigest(apiKey).toString('hex');
}
