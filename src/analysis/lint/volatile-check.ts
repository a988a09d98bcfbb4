import { Node, strings, walk } from '../ast';
import { BUILTIN_FUNCTIONS } from '../builtins';
import { SYSTEM_SCHEMAS } from '../names';
import type { Finding, Severity } from '../types';
import { lineAt, type Rule, type RuleInput } from './rule';

/** Built-ins whose result changes with time or per call: a CHECK using them is wrong. */
const KNOWN_VOLATILE = new Set([
  'now', 'clock_timestamp', 'random', 'statement_timestamp', 'transaction_timestamp', 'timeofday',
  'nextval', 'currval', 'lastval', 'setval', 'gen_random_uuid', 'uuid_generate_v4', 'random_normal',
]);

/** CURRENT_DATE, CURRENT_TIMESTAMP, LOCALTIME… are SQLValueFunction nodes, not calls. */
const TIME_VALUE_FUNCTIONS = /^SVFOP_(CURRENT_DATE|CURRENT_TIME|CURRENT_TIMESTAMP|LOCALTIME|LOCALTIMESTAMP)/;

const WHY =
  'CHECK constraints must be IMMUTABLE: PostgreSQL evaluates them only when a row is written, ' +
  'so a row valid today fails its next UPDATE (or a restore from a dump) later. ' +
  'Use a trigger or filter at query time instead.';

interface Verdict {
  severity: Severity;
  what: string;
}

function judgeCall(fn: Node, input: RuleInput): Verdict | undefined {
  const parts = strings(fn.funcname);
  const name = parts[parts.length - 1];
  const builtin = (parts.length === 1 && BUILTIN_FUNCTIONS.has(name)) ||
    (parts.length >= 2 && SYSTEM_SCHEMAS.has(parts[parts.length - 2]));
  if (builtin) {
    const vol = BUILTIN_FUNCTIONS.get(name);
    if (KNOWN_VOLATILE.has(name) || vol === 'volatile') return { severity: 'error', what: `${name}(), which is not immutable` };
    if (vol === 'stable') return { severity: 'warning', what: `${name}(), which is only STABLE (its result depends on session settings)` };
    return undefined;
  }
  const ref = input.names.func(parts);
  if (!ref) return undefined;
  const declared = input.model.functionVolatility.get(ref.name);
  if (declared === 'immutable') return undefined;
  if (declared === 'volatile') return { severity: 'error', what: `${ref.name}(), declared VOLATILE in this unit` };
  if (declared === 'stable') return { severity: 'warning', what: `${ref.name}(), declared STABLE in this unit` };
  return { severity: 'warning', what: `${ref.name}(), whose volatility is unknown here (it must be IMMUTABLE)` };
}

function judgeValueFunction(svf: Node): Verdict {
  const op = String(svf.op ?? '');
  const label = op.replace(/^SVFOP_/, '').replace(/_N$/, '').toLowerCase();
  return TIME_VALUE_FUNCTIONS.test(op)
    ? { severity: 'error', what: `${label}, which is not immutable` }
    : { severity: 'warning', what: `${label}, which is only STABLE (it depends on the session)` };
}

/** Every CHECK constraint in CREATE/ALTER TABLE and CREATE/ALTER DOMAIN. */
function checkExpressions(node: Node): Node[] {
  const out: Node[] = [];
  walk(node, (kind, body) => {
    if (kind === 'Constraint' && body.contype === 'CONSTR_CHECK' && body.raw_expr) out.push(body.raw_expr);
  });
  return out;
}

export const volatileCheck: Rule = (input) => {
  const { file, stmt } = input;
  const kind = stmt.kind;
  if (!['CreateStmt', 'AlterTableStmt', 'CreateDomainStmt', 'AlterDomainStmt'].includes(kind)) return [];
  const findings: Finding[] = [];
  for (const expr of checkExpressions(stmt.node)) {
    walk(expr, (k, body) => {
      const verdict = k === 'FuncCall' ? judgeCall(body, input) : k === 'SQLValueFunction' ? judgeValueFunction(body) : undefined;
      if (!verdict) return;
      findings.push({
        rule: 'volatile-check',
        severity: verdict.severity,
        file,
        line: lineAt(stmt, body.location),
        message: `CHECK constraint calls ${verdict.what}. ${WHY}`,
      });
    });
  }
  return findings;
};
