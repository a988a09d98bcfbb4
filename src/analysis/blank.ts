import type { Unit } from '../engine/units';
import { isBlankSql } from './text';
import type { Finding } from './types';

/**
 * An up step that holds no statement is refused (a unit that does nothing is almost always a
 * file saved empty or a paste gone elsewhere); an empty down step would record a rollback
 * that undid nothing, so `rollback` refuses it and plan warns.
 */
export function blankSteps(unit: Unit): Finding[] {
  const out: Finding[] = [];
  if (isBlankSql(unit.up.text)) out.push({ rule: 'empty-unit', severity: 'error', file: unit.up.path, line: 1, message: `${unit.up.path} holds no statement (only whitespace or comments): a unit that does nothing is almost always a mistake` });
  if (unit.down && isBlankSql(unit.down.text)) out.push({ rule: 'empty-down', severity: 'warning', file: unit.down.path, line: 1, message: `${unit.down.path} holds no statement: rolling back ${unit.name} would change nothing; \`migrate rollback\` refuses it` });
  return out;
}
