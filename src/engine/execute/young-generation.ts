import { setFlagsFromString } from 'node:v8';

/**
 * From here on V8's young generation keeps the size it has. V8 doubles it (up to 2 × 16 MiB)
 * each time as many bytes have survived its collections as it holds, and over a run of 1,000
 * units with down steps every unit's round trip leaves a little alive at each collection, so
 * it had doubled to 32 MiB by the last unit while the live heap was ~11 MiB: 17 MiB of a
 * 119 MiB peak. Only growth is stopped (V8 reads this flag each time it would grow), so the
 * parses before the run keep the size they needed; per-unit garbage is short-lived and the
 * CPU of `up` and of a 10 MB data load measured the same (within noise) without the growth.
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
