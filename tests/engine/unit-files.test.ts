import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../src/errors';
import { checksum, readBytes } from '../../src/engine/unit-files';

/** readBytes reads without asking the size first: every size around its 64 KiB first read must come back whole. */
let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'unit-files-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([0, 1, 4095, 65535, 65536, 65537, 131072, 200003, 3 * 1024 * 1024 + 7])('a file of %i bytes is read whole, byte for byte', (size) => {
  const file = path.join(dir, `f${size}.sql`);
  const bytes = randomBytes(size);
  writeFileSync(file, bytes);
  const got = readBytes(file);
  expect(got.length).toBe(size);
  expect(checksum(got)).toBe(checksum(readFileSync(file)));
  // the next read (a smaller file) must not show through a buffer handed out before
  writeFileSync(path.join(dir, 'small.sql'), 'select 1;\n');
  expect(readBytes(path.join(dir, 'small.sql')).toString()).toBe('select 1;\n');
  expect(checksum(got)).toBe(checksum(bytes));
});

test('a missing file and a folder are refused with the path named, not thrown raw', () => {
  expect(() => readBytes(path.join(dir, 'missing.sql'))).toThrow(UsageError);
  expect(() => readBytes(path.join(dir, 'missing.sql'))).toThrow(/cannot read .*missing\.sql: ENOENT/);
  expect(() => readBytes(dir)).toThrow(/cannot read .*: EISDIR/);
});
