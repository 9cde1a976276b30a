/** How often the pacer wakes up. */
const TICK_MS = 5;
/** At most this many edits per writer per tick, so a stalled generator cannot flood afterwards. */
const MAX_BURST = 50;

/**
 * Open-loop load: each writer makes `ratePerWriter` edits per second for `durationMs`, on a
 * schedule that does not wait for the server (edits due while the generator was busy are made at
 * the next tick, up to {@link MAX_BURST}). Writers start at random phases so they do not all
 * fire in the same tick. Resolves with the number of edits made.
 */
export function runPaced(writers: ReadonlyArray<() => void>, ratePerWriter: number, durationMs: number): Promise<number> {
  const perMs = ratePerWriter / 1000;
  const phases = writers.map(() => Math.random());
  const sent = writers.map(() => 0);
  const start = performance.now();
  let total = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = Math.min(performance.now() - start, durationMs);
      writers.forEach((edit, i) => {
        const due = Math.floor(elapsed * perMs + (phases[i] as number)) - (sent[i] as number);
        for (let n = 0; n < Math.min(due, MAX_BURST); n++) {
          edit();
          sent[i] = (sent[i] as number) + 1;
          total += 1;
        }
      });
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve(total);
      }
    };
    const timer = setInterval(tick, TICK_MS);
  });
}
