import { isUtf8 } from 'node:buffer';
import * as crypto from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
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
    return readWhole(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** Where a file's first bytes are read into; one that fits is copied out at its size. */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * A file's bytes, read to its end. readFileSync asks for the size first (an fstat per file):
 * over a folder of 20,000 small files that fstat and its buffer were ~20 % of the reading's
 * time. A file that fills the first read gets one fstat and a buffer of its size.
 */
function readWhole(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const first = readSync(fd, scratch, 0, scratch.length, null);
    if (first < scratch.length) return Buffer.from(scratch.subarray(0, first));
    let bytes = Buffer.allocUnsafe(Math.max(fstatSync(fd).size, scratch.length + 1));
    scratch.copy(bytes);
    let size = first;
    for (;;) {
      if (size === bytes.length) {
        // At the size fstat gave: one more read says whether the file ends there (it may grow while read).
        const more = readSync(fd, scratch, 0, scratch.length, null);
        if (more === 0) return bytes;
        const larger = Buffer.allocUnsafe(Math.max(2 * bytes.length, size + more));
        bytes.copy(larger);
        scratch.copy(larger, size, 0, more);
        bytes = larger;
        size += more;
        continue;
      }
      const n = readSync(fd, bytes, size, bytes.length - size, null);
      if (n === 0) return bytes.subarray(0, size);
      size += n;
    }
  } finally {
    closeSync(fd);
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
