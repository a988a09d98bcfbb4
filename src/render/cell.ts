/** A Markdown table cell: no pipe, backslash or line break may leak into the table. */
export function cell(text: string | undefined, empty = ''): string {
  return (text ?? empty).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
