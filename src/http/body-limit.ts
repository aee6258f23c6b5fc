/**
 * The request body limit (GX_BODY_LIMIT_BYTES) of the request pipeline. A body over the limit is
 * refused without being buffered or parsed: as soon as Content-Length announces it, or as soon as a
 * streamed (chunked) body passes it.
 *
 * The refusal must also reach the client. A client that is still sending when the server closes
 * gets a TCP reset, and with it loses the answer: Node's fetch (undici) posting 2 MiB reports
 * `fetch failed` (EPIPE) instead of the 413. So the answer is written whole first, then the rest of
 * the body is read and thrown away (never buffered), and the connection closes when the body
 * ends, or after DISCARD_MS. Past DISCARD_BYTES nothing more is read: the connection is left
 * paused until DISCARD_MS, so TCP flow control holds the sender back instead of a reset cutting
 * it off, and a client that reads while it sends (fetch) has the whole second to read the answer.
 * Closing at once when the bytes ran out reset a 16 MiB streamed upload from fetch on a busy
 * machine before its process had read the 413 (a reset drops what the receiver has not read yet).
 * The cost of one refused connection stays bounded, whatever size the sender announces. This is
 * the "lingering close" of RFC 9112: a server that closes while the client is still sending risks
 * the reset erasing the response before the client reads it.
 * @see https://www.rfc-editor.org/rfc/rfc9112#name-tear-down
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-413-content-too-large
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GxTrustError } from '../errors.js';

/** The most of a refused body read and thrown away after the answer (a 2 MiB credential fits). */
export const DISCARD_BYTES = 4 * 1024 * 1024;
/** The longest a refused connection stays open after its answer, to read and throw away its body. */
export const DISCARD_MS = 1000;

/** Whether a request announces a body over `limit` bytes: it is refused before a byte of it is read. */
export function declaresBodyOver(headers: { 'content-length'?: string | undefined }, limit: number): boolean {
  const declared = headers['content-length'];
  return declared !== undefined && Number(declared) > limit;
}

/** An answer to a body that was not (wholly) read closes its connection, after a bounded discard. */
export function closesConnection(error: GxTrustError): boolean {
  return error.code === 'PAYLOAD_TOO_LARGE';
}

/**
 * Answers `body` with `Connection: close`, then discards what is left of the request body (at most
 * DISCARD_BYTES, then nothing more is read) until it ends or DISCARD_MS pass, when the connection
 * closes. The answer is complete on
 * the wire before the first discarded byte is read: a client that reads while it sends (fetch,
 * curl) has it at once; one that sends everything first (a raw socket) still finds it when done.
 */
export function answerThenClose(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Connection', 'close');
  // Written, not ended: ending now would close the socket (Node closes a `Connection: close`
  // answer as soon as it is sent) under a client that is still sending.
  res.write(body);
  if (req.complete) {
    res.end();
    return;
  }
  let discarded = 0;
  const close = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', close);
    res.off('close', close);
    // Node closes the connection once this (already written) answer has been flushed.
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > DISCARD_BYTES) {
      // Read no more: the sender is held back by flow control until the timer closes.
      req.off('data', onData);
      req.pause();
    }
  };
  const timer = setTimeout(close, DISCARD_MS);
  req.on('data', onData);
  req.once('end', close);
  res.once('close', close);
  req.resume();
}

/**
 * A route that answered without reading a streamed body (a media type it does not read, a 401)
 * has had its say: the rest of the body is not read either once it passes `limit`. Node reads and
 * discards an unread body after the answer for as long as the sender sends (64 MiB in the test);
 * here the connection closes instead. Called as the answer is written.
 */
export function closeOnUnreadBodyOver(req: IncomingMessage, limit: number): void {
  if (req.complete || req.readableEnded) return;
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limit) {
      req.off('data', onData);
      req.socket.destroy();
    }
  };
  req.on('data', onData);
  req.once('end', () => req.off('data', onData));
}
