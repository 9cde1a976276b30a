import type { Member } from "@/app/lib/api";
import { Avatar } from "./Avatar";

/** Overlapping avatars of a document's members (first `max`, then "+n"), named as a list. */
export function AvatarStack({ members, max = 4 }: { members: Member[]; max?: number }) {
  const shown = members.slice(0, max);
  const hidden = members.length - shown.length;
  return (
    <ul aria-label="Members" className="flex items-center -space-x-1.5">
      {shown.map((m) => (
        <li key={m.user.id} className="flex">
          <Avatar name={m.user.name} color={m.user.color} size="sm" label={`${m.user.name} (${m.role})`} />
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
