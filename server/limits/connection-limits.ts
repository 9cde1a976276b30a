/**
 * How many WebSockets and event streams one user, and one client address, may hold open on this
 * instance. One account cannot exhaust the server's sockets and memory (8,000 sockets were held
 * by one account before this limit), and neither can one address with many accounts.
 */
export type Acquired = { ok: true; slot: ConnectionSlot } | { ok: false; message: string };

/** One connection's place in the counts; released once, when it closes. */
export class ConnectionSlot {
  private released = false;

  constructor(
    private readonly limits: ConnectionLimits,
    readonly userId: string,
    readonly address: string,
  ) {}

  /** Safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.limits.free(this);
  }
}

export class ConnectionLimits {
  private readonly byUser = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: { connectionsPerUser: number; connectionsPerAddress: number }) {}

  /** Takes a slot for one connection, or says which limit refuses it. */
  acquire(userId: string, address: string): Acquired {
    if ((this.byUser.get(userId) ?? 0) >= this.limits.connectionsPerUser) {
      return { ok: false, message: `Too many open connections for this account (at most ${this.limits.connectionsPerUser}). Close some tabs and try again.` };
    }
    if ((this.byAddress.get(address) ?? 0) >= this.limits.connectionsPerAddress) {
      return { ok: false, message: `Too many open connections from this address (at most ${this.limits.connectionsPerAddress}). Try again later.` };
    }
    increment(this.byUser, userId);
    increment(this.byAddress, address);
    return { ok: true, slot: new ConnectionSlot(this, userId, address) };
  }

  /** A slot was released (ConnectionSlot.release). */
  free(slot: ConnectionSlot): void {
    decrement(this.byUser, slot.userId);
    decrement(this.byAddress, slot.address);
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
