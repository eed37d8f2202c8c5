/**
 * Reads a request body into one Buffer. With a Content-Length it is read straight into a buffer of that
 * size: a 200 MiB batch then costs 200 MiB, not twice that for chunks plus their concatenation.
 */
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(message: string, readonly statusCode: 400 | 413) {
    super(message);
  }
}

export function readBody(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = stream.headers['content-length'] === undefined ? null : Number(stream.headers['content-length']);
  if (declared !== null && (!Number.isSafeInteger(declared) || declared < 0)) return Promise.reject(new BodyError('invalid Content-Length', 400));
  if (declared !== null && declared > limit) {
    stream.resume(); // drain, so the connection can carry the 413
    return Promise.reject(new BodyError('body too large', 413));
  }
  return new Promise((resolve, reject) => {
    const fixed = declared === null ? null : Buffer.allocUnsafe(declared);
    const chunks: Buffer[] = [];
    let length = 0;
    const fail = (e: BodyError): void => {
      stream.removeAllListeners('data');
      stream.resume();
      reject(e);
    };
    stream.on('data', (chunk: Buffer) => {
      if (length + chunk.length > (fixed ? fixed.length : limit)) {
        fail(fixed ? new BodyError('body longer than its Content-Length', 400) : new BodyError('body too large', 413));
        return;
      }
      if (fixed) chunk.copy(fixed, length);
      else chunks.push(chunk);
      length += chunk.length;
    });
    stream.once('end', () => {
      if (fixed && length !== fixed.length) reject(new BodyError('body shorter than its Content-Length', 400));
      else resolve(fixed ?? Buffer.concat(chunks, length));
    });
    stream.once('error', (e) => reject(e));
  });
}
