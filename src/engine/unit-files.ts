import { isUtf8 } from 'node:buffer';
import * as crypto from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors';
import type { UnitFile } from './units';

/** sha256 of a file's bytes, the basis of drift detection (for valid UTF-8, the same as of its text). */
export function checksum(bytes: Uint8Array): string {
  // crypto.hash (Node 20.12+) hashes in one call, without a Hash object per file: 10,000
  // small files in 12 ms instead of 54 (a status of a large folder hashes every up step).
  return oneShot ? oneShot('sha256', bytes, 'hex') : crypto.createHash('sha256').update(bytes).digest('hex');
}

const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

export function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * A file's text. Bytes that are not UTF-8 are refused: decoding them would send U+FFFD to
 * the server in their place, so the database would hold other text than the file.
 */
export function decode(file: string, bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const at = firstInvalidByte(bytes);
  const line = bytes.subarray(0, at).reduce((n, b) => (b === 0x0a ? n + 1 : n), 1);
  throw new UsageError(`${file} is not valid UTF-8: byte 0x${bytes[at].toString(16).padStart(2, '0')} at offset ${at} (line ${line}) does not start a UTF-8 character`,
    `convert the file to UTF-8, e.g. iconv -f LATIN1 -t UTF-8 ${path.basename(file)} > converted.sql`);
}

/** Offset of the first byte of the first invalid sequence; up to it, the lossy decode matches byte for byte. */
function firstInvalidByte(bytes: Buffer): number {
  let at = 0;
  for (const ch of bytes.toString('utf8')) {
    const replaced = ch === '\uFFFD' && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd);
    if (replaced) return at;
    at += Buffer.byteLength(ch);
  }
  return at;
}

export function read(file: string): UnitFile {
  return { path: file, text: decode(file, readBytes(file)) };
}

/** An up step and the checksum of its bytes. */
export function readUp(file: string): { up: UnitFile; checksum: string } {
  const bytes = readBytes(file);
  return { up: { path: file, text: decode(file, bytes) }, checksum: checksum(bytes) };
}

export function readIfExists(file: string, known?: ReadonlySet<string>): UnitFile | undefined {
  const present = known ? known.has(path.basename(file)) : existsSync(file);
  return present ? read(file) : undefined;
}

export function readJson<T>(file: string): T {
  return parseJson<T>(read(file));
}

export function parseJson<T>({ path: file, text }: UnitFile): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
}
