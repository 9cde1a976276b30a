import { Avatar } from "@/app/components/Avatar";
import type { Member } from "@/app/lib/api";
import type { PresentUser } from "./collab/presence";

interface Person {
  id: string;
  name: string;
  color: string;
  role: Member["role"] | null;
  here: boolean;
}

/**
 * The document's members as overlapping avatars, the people who have it open first: those in
 * full colour with a green dot, the others dimmed. Someone present but missing from `members`
 * (added since the page loaded) is shown too.
 */
export function PeopleStack({ members, presence, max = 5 }: { members: readonly Member[]; presence: readonly PresentUser[]; max?: number }) {
  const here = new Set(presence.map((p) => p.id));
  const roles = new Map(members.map((m) => [m.user.id, m.role]));
  const people: Person[] = [
    ...presence.map((p) => ({ ...p, role: roles.get(p.id) ?? null, here: true })),
    ...members.filter((m) => !here.has(m.user.id)).map((m) => ({ id: m.user.id, name: m.user.name, color: m.user.color, role: m.role, here: false })),
  ];
  const shown = people.slice(0, max);
  const hidden = people.length - shown.length;
  return (
    <ul aria-label="Members" className="flex items-center -space-x-1.5">
      {shown.map((person, i) => (
        // Earlier avatars on top, so that each one's presence dot stays visible.
        <li key={person.id} className="relative flex" style={{ zIndex: shown.length - i }}>
          <Avatar
            name={person.name}
            color={person.color}
            size="sm"
            label={`${person.name}${person.role ? ` (${person.role})` : ""}${person.here ? ", here now" : ""}`}
            className={person.here ? "" : "opacity-45 grayscale-[35%]"}
          />
          {person.here ? (
            <span aria-hidden="true" className="absolute -right-0.5 -bottom-0.5 size-2.5 rounded-full bg-emerald-500 ring-2 ring-white dark:ring-zinc-950" />
          ) : null}
        </li>
      ))}
      {hidden > 0 ? (
        <li className="flex">
          <span
            className="inline-flex size-7 items-center justify-center rounded-full bg-zinc-200 text-[0.65rem] font-semibold text-zinc-700 ring-2 ring-white dark:bg-zinc-700 dark:text-zinc-200 dark:ring-zinc-900"
            title={`${hidden} more`}
          >
            +{hidden}
            <span className="sr-only"> more members</span>
          </span>
        </li>
      ) : null}
    </ul>
  );
}
