export default async function globalTeardown(): Promise<void> {
  const stop = (globalThis as Record<string, unknown>).__MIGRATE_TEST_STOP__ as (() => Promise<unknown>) | undefined;
  if (stop) await stop();
}
