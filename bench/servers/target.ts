import type { Endpoint } from "../clients/lean-client";
import type { TandemApi, TandemUser } from "../clients/tandem-api";

export const TARGET_NAMES = ["tandem", "hocuspocus", "y-websocket-server"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** One simulated user's seat on a document. */
export interface ClientSlot {
  endpoint: Endpoint;
  /** Tandem only: the signed-in user behind it. */
  user?: TandemUser;
}

/** A document ready to be opened, with one slot per client that will open it. */
export interface DocumentSpec {
  id: string;
  slots: ClientSlot[];
}

export interface ProvisionRequest {
  documents: number;
  clientsPerDocument: number;
  /**
   * Distinct users to spread the clients over (Tandem); default `clientsPerDocument`, so the
   * clients of one document are different people.
   */
  users?: number;
}

/** What Tandem offers beyond the y-websocket protocol, for the scenarios that measure it. */
export interface TandemExtras {
  api: TandemApi;
  baseUrl: string;
  /** The PostgreSQL the server uses (to read what it stored). */
  databaseUrl: string;
  /** `n` signed-up users (created on first need, then reused). */
  users(n: number): Promise<TandemUser[]>;
  /** The endpoint for `user` on `documentId`; `acks` asks for `saved` messages. */
  endpoint(user: TandemUser, documentId: string, options?: { acks?: boolean }): Endpoint;
}

/** A running server under test: Tandem or a peer. */
export interface Target {
  readonly name: TargetName;
  /** The server process (for RSS and CPU). */
  readonly pid: number;
  /** Creates documents (Tandem: through the public API, with members) and says how to open them. */
  provision(request: ProvisionRequest): Promise<DocumentSpec[]>;
  /** Present for Tandem only. */
  readonly tandem?: TandemExtras;
  /**
   * Tandem: stops and starts the server again on the same port and data (a fresh process, e.g.
   * for a clean memory baseline after provisioning). Peers have nothing to restart.
   */
  restart?(): Promise<void>;
  /** Stops the server (gracefully; it stores what it holds). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Repository root. */
  root: string;
  /** Pin the server to its core with taskset. */
  pin: boolean;
  /** Write a V8 CPU profile of the server to this folder (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** Tandem: DATA_DIR for the embedded PostgreSQL (ignored when DATABASE_URL is set). */
  dataDir: string;
}
