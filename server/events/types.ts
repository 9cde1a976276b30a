/**
 * The events of `GET /api/events` (Server-Sent Events), shared by the server and the browser.
 * Pure types: no I/O.
 */

export interface PresenceUser {
  id: string;
  name: string;
  color: string;
}

export interface DocumentPresence {
  documentId: string;
  users: PresenceUser[];
}

export interface NotificationView {
  /** Increasing per user; also the SSE event id. */
  id: string;
  mentionId: string;
  document: { id: string; title: string };
  author: PresenceUser;
  excerpt: string;
  createdAt: string;
  readAt: string | null;
}

export type DocumentChange =
  | { type: "renamed"; documentId: string; title: string }
  | { type: "deleted"; documentId: string }
  | { type: "access-granted"; documentId: string; role: string }
  | { type: "role-changed"; documentId: string; role: string }
  | { type: "access-revoked"; documentId: string };

/** Every event the stream carries, by SSE event name. */
export type StreamEvent =
  /** `snapshot: true` on connect replaces everything; otherwise the listed documents changed. */
  | { event: "presence"; data: { snapshot: boolean; documents: DocumentPresence[] } }
  | { event: "notification"; data: NotificationView }
  | { event: "notification-read"; data: { ids: string[] | "all"; unreadCount: number } }
  | { event: "document"; data: DocumentChange };
