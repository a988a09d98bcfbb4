/**
 * SQL for an array of the catalog names a set of "schema.name" strings may end in: the whole
 * string and every text after one of its dots. ANDed with the exact test
 * (`nspname || '.' || relname = any(…)`), which alone makes the server compute the name of every
 * row of pg_class (or pg_proc, pg_type), it lets the server go by the catalog's name index: a
 * database with 5,000 unrelated tables costs no more than an empty one. A superset is enough
 * (the exact test decides), so a dot inside a quoted name needs no care, nor the cast to
 * name's 63 bytes.
 *
 * `texts` is a query of one text column (e.g. `select json_array_elements_text($1::text::json)`).
 */
export function namesIn(texts: string): string {
  return `array(select substr(x, g + 1)::name from (${texts}) as q(x), generate_series(0, length(x)) g where g = 0 or substr(x, g, 1) = '.')`;
}
