import { behaviourTasks } from '../../src/verify/behaviour';
import { mergeDuplicates } from '../../src/verify/identity';
import { buildTasks, inferTask, taskStatus, type TaskCheck } from '../../src/verify/tasks';

const check = (task: number, status: TaskCheck['status'], missing?: string[]): TaskCheck => ({ task, name: `c${task}`, status, detail: 'd', source: 'expect', missing });

describe('task statuses', () => {
  test('blocked wins and names what is missing; fail before pass; nothing declared is n/a', () => {
    expect(taskStatus([check(2, 'pass'), check(2, 'fail'), check(2, 'blocked', ['table public.sync_progress'])])).toMatchObject({ status: 'blocked', reason: expect.stringContaining('table public.sync_progress') });
    expect(taskStatus([check(2, 'pass'), check(2, 'fail')]).status).toBe('fail');
    expect(taskStatus([check(2, 'pass'), check(2, 'skipped')]).status).toBe('pass');
    expect(taskStatus([]).status).toBe('n/a');
  });

  test('approved only when every task passes, n/a allowed where nothing is declared', () => {
    const passing = [1, 2, 3, 4, 5, 6, 7].map((t) => check(t, 'pass'));
    expect(buildTasks(passing).approved).toBe(true);
    expect(buildTasks([...passing, check(8, 'n/a')]).approved).toBe(false);
    expect(buildTasks([...passing, check(8, 'fail')]).approved).toBe(false);
  });

  test('verify.sql rows without a task column are placed by the words of their check name', () => {
    expect(inferTask('12 policies')).toBe(2);
    expect(inferTask('RLS enabled on public.sync_progress')).toBe(2);
    expect(inferTask('index idx_organization_slug')).toBe(3);
    expect(inferTask('4 triggers on public.sync_progress')).toBe(4);
    expect(inferTask('function public.update_woo_sync_queue_state() returns trigger')).toBe(4);
    expect(inferTask('foreign key org_id -> organization on delete cascade')).toBe(6);
    expect(inferTask('grants on public.organization to authenticated')).toBe(7);
    expect(inferTask('current month partition sync_activity_log_2026_11')).toBe(7);
    expect(inferTask('column organization.id')).toBe(1);
    expect(inferTask('check woo_sync_queue_state_check')).toBe(1);
    expect(inferTask('organization test-org exists')).toBe(7);
  });

  test('a behaviour file names its tasks on a migrate:tasks line, else task 7', () => {
    expect(behaviourTasks({ path: 'x', text: '-- migrate:tasks 2,4, 6\nselect 1' })).toEqual([2, 4, 6]);
    expect(behaviourTasks({ path: 'x', text: 'select 1' })).toEqual([7]);
  });
});

describe('one check per identity', () => {
  const c = (name: string, status: TaskCheck['status'], source: TaskCheck['source'], unit = '02-auth', task = 3): TaskCheck => ({ task, name, status, detail: `${source} says ${status}`, source, unit });

  test('a declared object and a verify.sql row about it are one check, with the worse finding and both as evidence', () => {
    const [merged, ...rest] = mergeDuplicates([c('index auth.idx_auth_users_org', 'pass', 'expect'), c('index idx_auth_users_org', 'fail', 'verify')]);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({ name: 'index auth.idx_auth_users_org', status: 'fail', detail: 'verify says fail' });
    expect(merged.evidence!.map((e) => [e.source, e.status])).toEqual([['expect', 'pass'], ['verify', 'fail']]);
    expect(mergeDuplicates([c('table public.organization', 'pass', 'expect', 'u', 1), c('table public.organization exists', 'pass', 'verify', 'u', 1)])).toHaveLength(1);
    expect(mergeDuplicates([c('RLS enabled on public.t', 'pass', 'verify', 'u', 2), c('rls public.t', 'blocked', 'expect', 'u', 2)])[0].status).toBe('blocked');
  });

  test('other units, other tasks and other objects stay apart', () => {
    expect(mergeDuplicates([c('index idx_a', 'pass', 'expect', 'u1'), c('index idx_a', 'pass', 'verify', 'u2')])).toHaveLength(2);
    expect(mergeDuplicates([c('behaviour of u', 'blocked', 'behaviour', 'u', 2), c('behaviour of u', 'blocked', 'behaviour', 'u', 4)])).toHaveLength(2);
    expect(mergeDuplicates([c('column organization.id', 'pass', 'verify', 'u', 1), c('column users.id', 'pass', 'verify', 'u', 1)])).toHaveLength(2);
  });
});
