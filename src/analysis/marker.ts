/**
 * A first line `-- migrate:no-transaction` says a step runs outside a transaction, whatever it
 * holds. On its own, so that reading units (`status`) does not load the lint rules.
 */
const NO_TRANSACTION_MARKER = /^\s*--\s*migrate:no-transaction\b/;

export function markedNoTransaction(text: string): boolean {
  return NO_TRANSACTION_MARKER.test(text);
}
