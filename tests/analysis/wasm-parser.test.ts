import { parse as packageParse } from 'libpg-query';
import { wasmParser } from '../../src/analysis/wasm-parser';

const pg17 = wasmParser('libpg-query');
const spansOf = (stmts: Array<{ stmt_location?: number; stmt_len?: number }> | undefined) =>
  (stmts ?? []).map(({ stmt_location, stmt_len }) => ({ stmt_location, stmt_len }));

describe('wasmParser', () => {
  // Literals that spell the JSON keys the spans are read from, a first statement at 0 and a last one without a length.
  const SQL = [
    `select '"stmt":{"stmt_location":7,"stmt_len":9}' as "stmt_len";`,
    `create schema s create table t (a int) create view v as select 1 as "stmt";`,
    `comment on table t is E'\\"stmt_len\\":\\\\';`,
    `select 'é' as "stmt_location"`,
  ].join('\n');

  it('gives the trees the package gives', async () => {
    expect(await pg17.parse(SQL)).toEqual(await packageParse(SQL));
  });

  it('gives the statements the package gives, where they lie', async () => {
    const spans = (await pg17.spans(SQL)).stmts;
    expect(spans).toHaveLength(4);
    expect(spans).toEqual(spansOf((await packageParse(SQL)).stmts));
    expect((await pg17.spans('select 1')).stmts).toEqual([{}]);
  });

  it('throws the package error for bad SQL', async () => {
    const bad = 'select 1;\nselect from from t;';
    const theirs = await packageParse(bad).catch((e: unknown) => e as Error & { sqlDetails: unknown });
    for (const mine of [await pg17.parse(bad).catch((e: unknown) => e), await pg17.spans(bad).catch((e: unknown) => e)]) {
      expect(mine).toBeInstanceOf(Error);
      expect((mine as Error).message).toBe(theirs.message);
      expect((mine as { sqlDetails: unknown }).sqlDetails).toEqual(theirs.sqlDetails);
    }
    await expect(pg17.spans('  ')).rejects.toThrow('Query cannot be empty');
  });
});
