/** Colours a word for a terminal, or leaves it alone (not a terminal, NO_COLOR, TERM=dumb). */
export type Paint = (text: string, colour: 'red' | 'green' | 'dim') => string;

const CODES = { red: 31, green: 32, dim: 2 } as const;

export const plain: Paint = (text) => text;
export const ansi: Paint = (text, colour) => `\x1b[${CODES[colour]}m${text}\x1b[0m`;

/** Whether `stream` is a terminal that takes colour and cursor movement (https://no-color.org: any NO_COLOR turns colour off). */
export function terminalOf(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): { tty: boolean; colour: boolean; columns: number } {
  const s = stream as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  const tty = !!s.isTTY && env.TERM !== 'dumb';
  return { tty, colour: tty && !env.NO_COLOR, columns: s.columns || 80 };
}

/** One line cut to `width` columns, with an ellipsis when cut (no line wraps on an 80-column terminal). */
export function fit(text: string, width = 80): string {
  const one = text.replace(/\s*[\r\n\t]\s*/g, ' ');
  return one.length <= width ? one : `${one.slice(0, Math.max(0, width - 1))}…`;
}

/** The paint for what goes to `stream`. */
export function paintFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Paint {
  return terminalOf(stream, env).colour ? ansi : plain;
}
