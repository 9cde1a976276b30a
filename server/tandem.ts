import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createApi } from "./api";
import { createAuth, LiveSessions, resolveAuthSecret, SessionLookup } from "./auth";
import { COLLAB_PREFIX, CollabServer, PostgresStore, RoomRegistry } from "./collab";
import type { Config } from "./config";
import { openDatabase } from "./db/database";
import { createDatabaseClients } from "./db/prisma";
import { DocumentsRepository } from "./documents";
import { EVENTS_PATH, EventStreams } from "./events/event-stream";
import { EventFanout } from "./events/fanout";
import { EventHub } from "./events/hub";
import { ClusterEvents } from "./events/cluster-events";
import { ClusterPresence } from "./events/cluster-presence";
import { createBus } from "./bus/create-bus";
import { Notifier } from "./notifications/notifier";
import { NotificationsRepository } from "./notifications/repository";
import { createNextHandlers, type NextHandlers } from "./http/next";
import { ensureProductionBuild } from "./http/next-build";
import { gracefulClose } from "./http/shutdown";
import { applySecurityHeaders } from "./http/security-headers";
import { createUpgradeRouter } from "./http/upgrade";
import { ConnectionLimits } from "./limits";
import type { Logger } from "./logger";

export interface TandemOptions {
  config: Config;
  logger: Logger;
  /** The repository root: Next.js's app, prisma/migrations. */
  root: string;
  /** Serve the pages with Next.js. API-only servers (integration tests) leave it off. */
  pages: boolean;
}

export interface RunningTandem {
  /** Where the server listens, e.g. http://127.0.0.1:3000. */
  url: string;
  server: Server;
  rooms: RoomRegistry;
  /** This instance's id on the bus; with Redis its connections are named `tandem-pub-<id>` and `tandem-sub-<id>`. */
  instanceId: string;
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Starts one Tandem instance: database (embedded when no DATABASE_URL), migrations, auth, the
 * API, the pages and the upgrade routing, all on one HTTP port.
 */
export async function startTandem({ config, logger, root, pages }: TandemOptions): Promise<RunningTandem> {
  const cleanups: Array<() => Promise<void>> = [];
  const runCleanups = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, "shutdown step failed"));
    }
  };
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
    cleanups.push(() => database.stop());
    const db = createDatabaseClients(database.url, { logger });
    cleanups.push(() => db.close());
    const { prisma } = db;

    const secret = await resolveAuthSecret({ secret: config.authSecret, dev: config.dev, nodeEnv: process.env.NODE_ENV, dataDir: config.dataDir });
    const bus = await createBus(config.redisUrl, logger);
    cleanups.push(() => bus.close());
    const liveSessions = new LiveSessions({ sql: db.sql, bus, logger, recheckMs: config.limits.sessionRecheckMs });
    cleanups.push(async () => liveSessions.close());
    const auth = createAuth({
      prisma,
      secret,
      publicUrl: config.publicUrl,
      rateLimitMax: config.authRateLimitMax,
      trustProxy: config.trustProxy,
      logger,
      onSessionDeleted: liveSessions.ended,
    });
    const sessions = new SessionLookup(db.sql, secret);
    const hub = new EventHub();
    // The listeners below run only after start-up, once everything they name exists.
    const cluster = new ClusterEvents({
      bus,
      hub,
      onDocumentEvent: (event) => {
        rooms.applyDocumentEvent(event);
        fanout.documentChanged(event);
      },
      logger,
    });
    cleanups.push(async () => cluster.close());
    const notifications = new NotificationsRepository(prisma);
    const notifier = new Notifier({ notifications, toUser: cluster.toUser, logger, limits: config.limits });
    const rooms = new RoomRegistry({ store: new PostgresStore(db), logger, limits: config.limits, onMentions: notifier.mentionsAdded,
      // Rooms talk to other instances only when there are others (Redis): alone, healing is work for nothing.
      bus: config.redisUrl ? bus : undefined,
    });
    const documents = new DocumentsRepository(db, cluster.documentChanged);
    const presence = new ClusterPresence(bus, (documentId) => fanout.presenceChanged(documentId), logger, {
      beatMs: config.presenceBeatMs,
      expireMs: config.presenceBeatMs * 3,
    });
    cleanups.push(async () => presence.close());
    const fanout = new EventFanout({ hub, presence, documents, logger });
    const connections = new ConnectionLimits(config.limits);
    const streams = new EventStreams({ sessions, liveSessions, connections, trustProxy: config.trustProxy, hub, presence, documents, notifications, logger, heartbeatMs: config.sseHeartbeatMs });
    const api = createApi({ auth, documents, notifications, notifier, logger, publicUrl: config.publicUrl, trustProxy: config.trustProxy });
    const handleApi = getRequestListener(api.fetch);
    const collab = new CollabServer({
      sessions,
      liveSessions,
      connections,
      limits: config.limits,
      documents,
      rooms,
      logger,
      publicUrl: config.publicUrl,
      trustProxy: config.trustProxy,
      maxPayloadBytes: config.maxPayloadBytes,
      heartbeatMs: config.heartbeatMs,
      presence,
    });

    let next: NextHandlers | undefined;
    if (pages) {
      if (!config.dev) await ensureProductionBuild(root, logger);
      next = await createNextHandlers({ dev: config.dev, dir: root, hostname: config.host, port: config.port });
      const nextHandlers = next;
      cleanups.push(() => nextHandlers.close());
    }

    const server = createServer((req, res) => {
      applySecurityHeaders(req, res, { dev: config.dev, publicUrl: config.publicUrl, trustProxy: config.trustProxy });
      const path = req.url ?? "/";
      if (path === EVENTS_PATH || path.startsWith(`${EVENTS_PATH}?`)) {
        streams.handle(req, res).catch((error: unknown) => {
          logger.error({ err: error }, "event stream failed");
          res.destroy();
        });
      } else if (path === "/api" || path.startsWith("/api/")) {
        void handleApi(req, res);
      } else if (next) {
        next.handle(req, res).catch((error: unknown) => {
          logger.error({ err: error, path }, "page request failed");
          if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
        });
      } else {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: "Pages are not served by this instance." } }));
      }
    });
    server.on("upgrade", createUpgradeRouter({ routes: [{ prefix: COLLAB_PREFIX, handle: collab.handleUpgrade }], next: next?.upgrade, logger }));

    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
    const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`;

    let closing: Promise<void> | undefined;
    return {
      url,
      server,
      rooms,
      instanceId: bus.instanceId,
      close: () =>
        (closing ??= (async () => {
          // Stop accepting first; then every room closes its sockets (1012, so clients
          // reconnect) and stores what it holds, before the database goes away.
          const httpClosed = gracefulClose(server, { logger });
          streams.closeAll();
          fanout.stop();
          await rooms.close();
          collab.close();
          await httpClosed;
          await runCleanups();
        })()),
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}
