import { createInterface } from 'node:readline';
import type { PlannedUnit } from './engine/sequence';
import type { Io } from './cli';

/** Shows the plan on the terminal and asks before the first change. */
export async function confirmPlan(plan: PlannedUnit[], io: Io): Promise<boolean> {
  const out = io.stderr;
  out.write('The plan:\n');
  for (const p of plan) {
    out.write(`  ${p.action === 'apply' ? '→ apply' : '· skip '}  ${p.name}  ${p.title}${p.reason ? `  (${p.reason})` : ''}\n`);
    for (const c of p.precheck) out.write(`        ${c.ok ? '✓' : '✗'} ${c.check}${c.detail ? `: ${c.detail}` : ''}\n`);
  }
  if (!io.stdin) return false;
  const rl = createInterface({ input: io.stdin, output: out });
  const answer = await new Promise<string>((resolve) => rl.question(`Apply ${plan.filter((p) => p.action === 'apply').length} unit(s)? [y/N] `, resolve));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
