"use client";

import { useState } from "react";
import { Avatar } from "@/app/components/Avatar";
import { Button } from "@/app/components/Button";
import { RoleBadge } from "@/app/components/RoleBadge";
import { Select } from "@/app/components/Select";
import type { Member, Role } from "@/app/lib/api";
import { ROLE_LABELS } from "@/app/lib/roles";

const ROLES: Role[] = ["owner", "editor", "viewer"];

/**
 * One person with access. Owners get a role select and Remove for everyone; anyone can leave
 * (their own row's button). Others see the role as a badge. The parent performs the changes;
 * a failure is thrown back and shown by the dialog.
 */
export function MemberRow({
  member,
  isSelf,
  manage,
  onChangeRole,
  onRemove,
}: {
  member: Member;
  isSelf: boolean;
  manage: boolean;
  onChangeRole: (member: Member, role: Role) => Promise<void>;
  onRemove: (member: Member) => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const { user } = member;

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="flex flex-wrap items-center gap-3 py-3" aria-busy={busy}>
      <Avatar name={user.name} color={user.color} />
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium">
          {user.name}
          {isSelf ? <span className="font-normal text-zinc-500 dark:text-zinc-400"> (you)</span> : null}
        </p>
        <p className="truncate text-xs text-zinc-500 dark:text-zinc-400">{user.email}</p>
      </div>
      <div className="flex items-center gap-2">
        {manage ? (
          <Select
            aria-label={`Access for ${user.name}`}
            value={member.role}
            disabled={busy}
            onChange={(e) => void run(() => onChangeRole(member, e.target.value as Role))}
            className="w-28"
          >
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {ROLE_LABELS[role]}
              </option>
            ))}
          </Select>
        ) : (
          <RoleBadge role={member.role} />
        )}
        {isSelf ? (
          <Button size="sm" variant="ghost" disabled={busy} onClick={() => void run(() => onRemove(member))} aria-label="Leave document" className="w-20">
            Leave
          </Button>
        ) : manage ? (
          <Button
            size="sm"
            variant="ghost"
            disabled={busy}
            onClick={() => void run(() => onRemove(member))}
            aria-label={`Remove ${user.name}`}
            className="w-20 text-red-600 hover:bg-red-50 dark:text-red-400 dark:hover:bg-red-500/10"
          >
            Remove
          </Button>
        ) : null}
      </div>
    </li>
  );
}
