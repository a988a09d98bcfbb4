/**
 * A step says it runs outside a transaction, whatever it holds, in its own tool's words: this
 * runner's first line `-- migrate:no-transaction`, morph's `-- morph:nontransactional`, or
 * dbmate's section marker `-- migrate:up transaction:false` (`-- migrate:down …` for the down
 * section). On its own, so that reading units (`status`) does not load the lint rules.
 */
const MARKERS: ReadonlyArray<{ pattern: RegExp; says: string }> = [
  { pattern: /^\s*--\s*migrate:no-transaction\b/, says: '-- migrate:no-transaction' },
  { pattern: /^\s*--\s*morph:nontransactional\b/, says: '-- morph:nontransactional' },
  { pattern: /^--\s*migrate:(?:up|down)\b[^\n]*\btransaction:false\b/m, says: 'transaction:false (dbmate)' },
];

/** The marker a step carries and its line, or undefined. */
export function noTransactionMarker(text: string): { line: number; says: string } | undefined {
  for (const { pattern, says } of MARKERS) {
    const m = pattern.exec(text);
    if (m) return { line: text.slice(0, m.index + m[0].length).split('\n').length, says };
  }
  return undefined;
}

export function markedNoTransaction(text: string): boolean {
  return noTransactionMarker(text) !== undefined;
}
