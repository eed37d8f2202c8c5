/**
 * Request bodies, read into one Buffer each. With a Content-Length the body is read straight into a
 * buffer of that size (a 200 MiB batch costs 200 MiB, not twice that for chunks and their concatenation).
 * All bodies being read at once share a budget, so many large uploads cannot exhaust memory together.
 */
import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: 400 | 413 | 429,
  ) {
    super(message);
  }
}

/** Reads bodies of at most `maxBytes` each, all together at most `maxInflightBytes` at any moment. */
export function createBodyReader(maxInflightBytes: number): {
  read(stream: IncomingMessage, maxBytes: number): Promise<Buffer>;
  inflight(): number;
} {
  let inflight = 0;
  const limits = { maxInflightBytes };

  const read = (stream: IncomingMessage, maxBytes: number): Promise<Buffer> => {
    const header = stream.headers['content-length'];
    const declared = header === undefined ? null : Number(header);
    if (declared !== null && (!Number.isSafeInteger(declared) || declared < 0))
      return Promise.reject(new BodyError('invalid Content-Length', 400));
    if (declared !== null && declared > maxBytes) return Promise.reject(new BodyError('body too large', 413));
    if (inflight + (declared ?? 0) > limits.maxInflightBytes)
      return Promise.reject(new BodyError('too many large requests in progress', 429));
    let reserved = declared ?? 0;
    inflight += reserved;
    return new Promise<Buffer>((resolve, reject) => {
      const fixed = declared === null ? null : Buffer.allocUnsafe(declared);
      const chunks: Buffer[] = [];
      let length = 0;
      const settle = (error: Error | null, body?: Buffer): void => {
        inflight -= reserved;
        reserved = 0;
        stream.removeAllListeners('data');
        if (error) reject(error);
        else resolve(body!);
      };
      stream.on('data', (chunk: Buffer) => {
        if (fixed) {
          if (length + chunk.length > fixed.length)
            return settle(new BodyError('body longer than its Content-Length', 400));
          chunk.copy(fixed, length);
        } else {
          if (length + chunk.length > maxBytes) return settle(new BodyError('body too large', 413));
          if (inflight + chunk.length > limits.maxInflightBytes)
            return settle(new BodyError('too many large requests in progress', 429));
          inflight += chunk.length;
          reserved += chunk.length;
          chunks.push(chunk);
        }
        length += chunk.length;
      });
      stream.once('end', () => {
        if (fixed && length !== fixed.length) settle(new BodyError('body shorter than its Content-Length', 400));
        else settle(null, fixed ?? Buffer.concat(chunks, length));
      });
      stream.once('error', (e) => settle(e));
      stream.once('aborted', () => settle(new BodyError('the client aborted the upload', 400)));
    });
  };

  return { read, inflight: () => inflight };
}
