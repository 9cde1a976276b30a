import Mention, { type MentionOptions } from "@tiptap/extension-mention";
import type { Member } from "@/app/lib/api";

/** The attributes of Tandem's `mention` node (docs/SPEC.md NT1): whom, their name, and its id. */
export interface MentionAttrs {
  id: string;
  label: string;
  mentionId: string;
}

/** A member the "@" autocomplete offers. */
export interface MentionCandidate {
  id: string;
  name: string;
  email: string;
  color: string;
}

const MAX_SUGGESTIONS = 8;

/**
 * The document's members as the editor sees them: set when they change (sharing), read at each
 * "@". The editor is not recreated for that, so it must not hold the list itself.
 */
export class MembersSource {
  constructor(private members: readonly Member[]) {}

  set(members: readonly Member[]): void {
    this.members = members;
  }

  readonly get = (): readonly Member[] => this.members;
}

/**
 * A new mention's id. Each inserted mention gets its own; a copied or pasted one keeps it, which
 * is how the server notifies once per mention (NT3). `randomUUID` needs a secure context
 * (https or localhost); a self-hosted Tandem on plain http falls back to `getRandomValues`.
 */
export function newMentionId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The members to offer for what follows "@": names that start with the query first, then names
 * with a word that does, then names or emails that contain it. The person typing is left out
 * (mentioning oneself notifies no one).
 */
export function matchMembers(members: readonly Member[], query: string, selfId: string, limit = MAX_SUGGESTIONS): MentionCandidate[] {
  const q = query.trim().toLowerCase();
  const rank = ({ user }: Member): number => {
    const name = user.name.toLowerCase();
    if (!q || name.startsWith(q)) return 0;
    if (name.split(/\s+/).some((word) => word.startsWith(q))) return 1;
    if (name.includes(q) || user.email.toLowerCase().startsWith(q)) return 2;
    return -1;
  };
  return members
    .filter((m) => m.user.id !== selfId)
    .map((m) => ({ member: m, rank: rank(m) }))
    .filter(({ rank }) => rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.member.user.name.localeCompare(b.member.user.name))
    .slice(0, limit)
    .map(({ member: { user } }) => ({ id: user.id, name: user.name, email: user.email, color: user.color }));
}

/** Tiptap's Mention with Tandem's `mentionId`, kept in HTML as `data-mention-id` (so copy and paste keep it). */
export const TandemMention = Mention.extend<MentionOptions<MentionCandidate, MentionAttrs>>({
  addAttributes() {
    return {
      ...this.parent?.(),
      mentionId: {
        default: null,
        parseHTML: (element: HTMLElement) => element.getAttribute("data-mention-id"),
        renderHTML: (attributes: Record<string, unknown>) => (typeof attributes.mentionId === "string" && attributes.mentionId ? { "data-mention-id": attributes.mentionId } : {}),
      },
    };
  },
});
