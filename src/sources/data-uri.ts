/**
 * `data:` URI parsing (RFC 2397). The decoded size is computed from the text before anything is decoded,
 * so an oversized URI is refused without allocating its bytes.
 */
import { FramepipeError } from '../core/errors.ts';

/** A parsed `data:` URI. */
export interface DataUri {
  /** Media type, e.g. `video/mp4`; `text/plain` when the URI names none (RFC 2397). */
  mediaType: string;
  base64: boolean;
  /** The text after the comma, still encoded. */
  payload: string;
}

const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Splits a `data:` URI into its parts without decoding the payload.
 *
 * @throws FramepipeError ERR_INVALID_OPTIONS when there is no comma.
 * @example
 * ```ts
 * parseDataUri('data:video/mp4;base64,AAAA'); // { mediaType: 'video/mp4', base64: true, payload: 'AAAA' }
 * ```
 */
export function parseDataUri(uri: string): DataUri {
  const comma = uri.indexOf(',');
  if (!/^data:/i.test(uri) || comma < 0) {
    throw malformed('it has no comma between the header and the payload', 'data:video/mp4;base64,<payload>');
  }
  const params = uri.slice(5, comma).split(';').map((p) => p.trim());
  const base64 = params.length > 1 && params.at(-1)?.toLowerCase() === 'base64';
  const mediaType = params[0] || 'text/plain';
  return { mediaType, base64, payload: uri.slice(comma + 1) };
}

/**
 * The number of bytes the payload decodes to, computed from its text alone.
 *
 * @example
 * ```ts
 * decodedSize({ mediaType: 'video/mp4', base64: true, payload: 'AAAA' }); // 3
 * ```
 */
export function decodedSize(data: DataUri): number {
  if (data.base64) {
    const text = stripBase64Whitespace(data.payload);
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    const length = text.length - padding;
    return Math.floor((length * 3) / 4);
  }
  let escapes = 0;
  for (let i = data.payload.indexOf('%'); i >= 0; i = data.payload.indexOf('%', i + 1)) escapes++;
  // Non-ASCII characters take several UTF-8 bytes; this is exact for the usual all-ASCII payload.
  return data.payload.length - 2 * escapes + nonAsciiExtraBytes(data.payload);
}

/**
 * Decodes the payload to bytes.
 *
 * @throws FramepipeError ERR_INVALID_OPTIONS for invalid base64 or a bad `%` escape.
 */
export function decodeDataUri(data: DataUri): Buffer {
  if (data.base64) {
    // Some encoders percent-escape the base64 alphabet (`%2B`, `%3D`); undo that first.
    const text = stripBase64Whitespace(/%[0-9a-f]{2}/i.test(data.payload) ? percentDecode(data.payload).toString('latin1') : data.payload);
    if (!BASE64_TEXT.test(text) || text.length % 4 === 1) {
      throw malformed('its payload is not valid base64', 'encode the bytes with base64 (A–Z, a–z, 0–9, +, /, =)');
    }
    return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  }
  return percentDecode(data.payload);
}

function percentDecode(text: string): Buffer {
  const bad = /%(?![0-9a-fA-F]{2})/.exec(text);
  if (bad) {
    throw malformed(`it has an invalid percent escape at character ${bad.index}`, 'escape "%" as "%25" or use ;base64');
  }
  const parts: Buffer[] = [];
  for (const piece of text.split(/(%[0-9a-fA-F]{2})/)) {
    if (piece.startsWith('%') && piece.length === 3) parts.push(Buffer.of(Number.parseInt(piece.slice(1), 16)));
    else if (piece) parts.push(Buffer.from(piece, 'utf8'));
  }
  return Buffer.concat(parts);
}

function stripBase64Whitespace(text: string): string {
  return /\s/.test(text) ? text.replace(/\s+/g, '') : text;
}

function nonAsciiExtraBytes(text: string): number {
  if (!/[^\x00-\x7f]/.test(text)) return 0;
  return Buffer.byteLength(text, 'utf8') - text.length;
}

function malformed(reason: string, fix: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', `The data: URI is malformed: ${reason}. Fix: ${fix}.`, {
    details: { reason },
  });
}
