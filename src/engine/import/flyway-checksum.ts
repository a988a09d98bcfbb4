import { crc32 } from 'node:zlib';

/**
 * Flyway's checksum of a script: CRC32 over its lines, each without its line break (\n, \r\n
 * or \r), a byte-order mark dropped from the first, as a signed 32-bit integer (what it
 * stores in flyway_schema_history.checksum).
 */
export function flywayChecksum(text: string): number {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return crc32(lines.join('')) | 0;
}
