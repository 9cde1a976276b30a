/**
 * How many WebSockets and event streams one user, and one client address, may hold open on this
 * instance. One account cannot exhaust the server's sockets and memory (8,000 sockets were held
 * by one account before this limit), and neither can one address with many accounts.
 */
export type ConnectionSlot = { ok: true; release: () => void } | { ok: false; message: string };

export class ConnectionLimits {
  private readonly byUser = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: { connectionsPerUser: number; connectionsPerAddress: number }) {}

  /** Takes a slot for one connection, or says which limit refuses it. */
  acquire(userId: string, address: string): ConnectionSlot {
    if ((this.byUser.get(userId) ?? 0) >= this.limits.connectionsPerUser) {
      return { ok: false, message: `Too many open connections for this account (at most ${this.limits.connectionsPerUser}). Close some tabs and try again.` };
    }
    if ((this.byAddress.get(address) ?? 0) >= this.limits.connectionsPerAddress) {
      return { ok: false, message: `Too many open connections from this address (at most ${this.limits.connectionsPerAddress}). Try again later.` };
    }
    increment(this.byUser, userId);
    increment(this.byAddress, address);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        decrement(this.byUser, userId);
        decrement(this.byAddress, address);
      },
    };
  }

  /** Open connections counted for `userId` (for tests). */
  countOf(userId: string): number {
    return this.byUser.get(userId) ?? 0;
  }
}

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function decrement(map: Map<string, number>, key: string): void {
  const count = (map.get(key) ?? 0) - 1;
  if (count > 0) map.set(key, count);
  else map.delete(key);
}
