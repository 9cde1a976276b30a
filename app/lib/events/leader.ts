/**
 * Leader election among this browser's tabs with the Web Locks API: exactly one tab holds the
 * lock at a time; when it closes (or crashes), the browser releases the lock and the next
 * waiting tab becomes leader.
 */
export function electLeader(lockName: string, onLeader: () => () => void): () => void {
  const released = new AbortController();
  if (typeof navigator === "undefined" || !("locks" in navigator)) {
    // No Web Locks (old browsers): every tab leads its own connection.
    const stop = onLeader();
    return () => stop();
  }
  let stopLeading: (() => void) | undefined;
  navigator.locks
    .request(lockName, { signal: released.signal }, () => {
      stopLeading = onLeader();
      // Held until this tab goes away or stops: the promise resolves only on abort.
      return new Promise<void>((resolve) => released.signal.addEventListener("abort", () => resolve(), { once: true }));
    })
    .catch(() => {
      // AbortError when the tab stops waiting for the lock: nothing to clean up.
    });
  return () => {
    released.abort();
    stopLeading?.();
  };
}
