import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { transpileModule, ModuleKind } from 'typescript';

// In a process of its own: the young generation starts small there (jest's may have grown
// already), and V8's flags are the process's (a worker thread's heap does not read this one).
const SOURCE = transpileModule(readFileSync(path.join(__dirname, '../../src/engine/execute/young-generation.ts'), 'utf8'), { compilerOptions: { module: ModuleKind.CommonJS } }).outputText;

function youngSizes(hold: boolean): { before: number; after: number } {
  const script = `
const exports = {};
${SOURCE}
const { getHeapSpaceStatistics } = require('node:v8');
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
if (${hold}) exports.holdYoungGeneration();
const before = young();
// Objects that live across several young collections: what makes V8 grow the space.
let alive = [];
for (let i = 0; i < 3000000; i++) {
  alive.push({ i, s: 'unit ' + i });
  if (alive.length > 20000) alive = [];
}
process.stdout.write(JSON.stringify({ before, after: young(), kept: alive.length }));
`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as { before: number; after: number };
}

describe('holdYoungGeneration', () => {
  it('keeps the young generation small however much survives its collections', () => {
    // It may still take one step (1 to 2 MiB here); without it the space grows 32-fold.
    const held = youngSizes(true);
    expect(held.after).toBeLessThanOrEqual(2 * held.before);
    // The same work without it grows the space: the test can tell the difference.
    const free = youngSizes(false);
    expect(free.after).toBeGreaterThan(4 * free.before);
  });
});
