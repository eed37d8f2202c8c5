/**
 * ECS reports' compressed payloads (seed §4.5, P03): `CustomBlock.P03.compressedReport` is base64 of the
 * report (its REP-xxx-CustomBlock as JSON) compressed. The seed says gzip; the published REP-002 example is
 * zlib (RFC 1950); both are read, told apart by their first bytes. Decompression stops at a bound, so a
 * small message cannot inflate into gigabytes. Pure.
 */
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';

export type ReportEncoding = 'gzip' | 'zlib';

/** The most a report may decompress to. */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

export type DecodedReport = { ok: true; report: unknown; encoding: ReportEncoding } | { ok: false; help: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What compression the bytes start with: gzip's magic number, or a zlib header (CM 8, FCHECK). */
export function encodingOf(bytes: Uint8Array): ReportEncoding | null {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && ((bytes[0]! << 8) | bytes[1]!) % 31 === 0) return 'zlib';
  return null;
}

export function decodeReport(text: unknown, maxBytes = MAX_REPORT_BYTES): DecodedReport {
  if (typeof text !== 'string' || text.length === 0)
    return { ok: false, help: 'must be the report, compressed with gzip and base64-encoded' };
  if (text.length % 4 !== 0 || !BASE64.test(text)) return { ok: false, help: 'is not standard base64' };
  const bytes = Buffer.from(text, 'base64');
  const encoding = encodingOf(bytes);
  if (!encoding)
    return { ok: false, help: 'is base64, but of neither gzip nor zlib data (compress the report with gzip)' };
  let json: Buffer;
  try {
    json = (encoding === 'gzip' ? gunzipSync : inflateSync)(bytes, { maxOutputLength: maxBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      ok: false,
      help:
        err.code === 'ERR_BUFFER_TOO_LARGE'
          ? `decompresses to more than ${maxBytes} bytes`
          : `is not valid ${encoding} data: ${err.message}`,
    };
  }
  try {
    return { ok: true, report: JSON.parse(json.toString('utf8')) as unknown, encoding };
  } catch (e) {
    return { ok: false, help: `decompresses to something that is not JSON: ${(e as Error).message}` };
  }
}

/** A report as a sender puts it in P03: its JSON, gzip-compressed (the seed's choice), base64-encoded. */
export function encodeReport(report: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(report), 'utf8')).toString('base64');
}
