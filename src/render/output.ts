import { accessSync, constants, mkdirSync, statfsSync, statSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors';

/** Writes a rendered report; an unwritable path is a usage error, not a crash. */
export function writeOutput(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** statfs types of the kernel's own filesystems (proc, sysfs, cgroup, cgroup2, debugfs, tracefs, securityfs, configfs, efivarfs, bpf). */
const KERNEL_FS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x74726163, 0x73636673, 0x62656570, 0xde5e81e4, 0xcafe4a11]);

function statOf(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined; // absent, or a file where a folder should be (ENOTDIR): the caller looks further up
  }
}

/**
 * Why a report (--out) or log (--log-file) could not be written to `file`, or undefined when
 * it can. Asked before a command changes anything, so a run never applies units and then
 * fails to write what it did; it creates, truncates and waits on nothing. A file under /proc
 * or /sys is a kernel setting, not a report, even where it would take the write.
 */
export function unwritableReason(file: string): string | undefined {
  const target = path.resolve(file);
  let at = target;
  let st = statOf(at);
  if (st?.isDirectory()) return 'it is a directory';
  if (st?.isBlockDevice()) return 'it is a block device';
  while (!st) {
    const up = path.dirname(at);
    if (up === at) return 'no folder above it exists';
    at = up;
    st = statOf(at);
  }
  if (at !== target && !st.isDirectory()) return `${at} is not a folder`;
  if (KERNEL_FS.has(statfsSync(at).type)) return `${at === target ? 'it' : at} is on a kernel filesystem (/proc, /sys), not a place for files`;
  try {
    accessSync(at, at === target ? constants.W_OK : constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EROFS' ? `${at} is on a read-only filesystem` : `this user may not write ${at === target ? 'it' : `in ${at}`}`;
  }
  return undefined;
}
