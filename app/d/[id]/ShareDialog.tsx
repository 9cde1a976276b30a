"use client";

import { useId, useState, type FormEvent } from "react";
import { Button } from "@/app/components/Button";
import { Dialog } from "@/app/components/Dialog";
import { ErrorMessage } from "@/app/components/ErrorMessage";
import { Spinner } from "@/app/components/Spinner";
import { Select } from "@/app/components/Select";
import { TextField } from "@/app/components/TextField";
import { api, ApiError, errorMessage, type DocumentDetail, type Member, type Role, type ShareRole, type User } from "@/app/lib/api";
import { isOwner, ROLE_HINTS } from "@/app/lib/roles";
import { MemberRow } from "./MemberRow";

/**
 * Who has access to a document. Owners add people by email (as editor or viewer), change roles
 * and remove people; everyone else sees the list and can leave. Every change is sent at once;
 * `onChanged` hands back the new member list, `onLeft` is called when the person removed themselves.
 */
export function ShareDialog({
  open,
  onClose,
  doc,
  me,
  onChanged,
  onLeft,
  onUnauthorized,
}: {
  open: boolean;
  onClose: () => void;
  doc: DocumentDetail;
  me: User;
  onChanged: (members: Member[]) => void;
  onLeft: () => void;
  onUnauthorized: () => void;
}) {
  const owner = isOwner(doc.role);
  const roleId = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<ShareRole>("editor");
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState("");

  const fail = (prefix: string, e: unknown) => {
    if (e instanceof ApiError && e.unauthorized) onUnauthorized();
    setError(`${prefix}: ${errorMessage(e)}`);
  };

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = email.trim();
    if (!address) return;
    setAdding(true);
    setError(null);
    setNotice("");
    try {
      const member = await api.addMember(doc.id, address, role);
      onChanged([...doc.members.filter((m) => m.user.id !== member.user.id), member]);
      setEmail("");
      setNotice(`Added ${member.user.name} as ${member.role}.`);
    } catch (e) {
      if (e instanceof ApiError && e.unauthorized) onUnauthorized();
      // The server's own words ("No account uses …", "… is already a member") say what to do.
      setError(errorMessage(e));
    } finally {
      setAdding(false);
    }
  };

  const changeRole = async (member: Member, next: Role) => {
    setError(null);
    setNotice("");
    try {
      const updated = await api.changeRole(doc.id, member.user.id, next);
      onChanged(doc.members.map((m) => (m.user.id === member.user.id ? { ...m, role: updated.role } : m)));
      setNotice(`${member.user.name} is now ${updated.role}.`);
    } catch (e) {
      fail(`Could not change ${member.user.name}’s role`, e);
    }
  };

  const remove = async (member: Member) => {
    setError(null);
    setNotice("");
    try {
      await api.removeMember(doc.id, member.user.id);
    } catch (e) {
      fail(member.user.id === me.id ? "Could not leave" : `Could not remove ${member.user.name}`, e);
      return;
    }
    if (member.user.id === me.id) {
      onLeft();
      return;
    }
    onChanged(doc.members.filter((m) => m.user.id !== member.user.id));
    setNotice(`Removed ${member.user.name}.`);
  };

  const close = () => {
    setError(null);
    setNotice("");
    onClose();
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      title={`Share “${doc.title}”`}
      description={owner ? "Invite people by the email they signed up with." : "Only owners can change who has access."}
      className="max-w-xl"
    >
      {owner ? (
        <form onSubmit={(e) => void add(e)} className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <TextField
            label="Email"
            type="email"
            required
            autoComplete="off"
            placeholder="name@example.com"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            className="flex-1"
            data-autofocus
          />
          <div>
            <label htmlFor={roleId} className="mb-1.5 block text-sm font-medium text-zinc-800 dark:text-zinc-200">
              Role
            </label>
            <Select id={roleId} value={role} onChange={(e) => setRole(e.target.value as ShareRole)} className="sm:w-32" aria-describedby={`${roleId}-hint`}>
              <option value="editor">Editor</option>
              <option value="viewer">Viewer</option>
            </Select>
            <p id={`${roleId}-hint`} className="sr-only">
              {ROLE_HINTS[role]}
            </p>
          </div>
          <Button type="submit" variant="primary" disabled={adding}>
            {adding ? <Spinner /> : null}
            Add
          </Button>
        </form>
      ) : null}

      <ErrorMessage message={error} onDismiss={() => setError(null)} className="mt-3" />
      <p role="status" className="mt-3 text-sm text-emerald-700 empty:hidden dark:text-emerald-400">
        {notice}
      </p>

      <h3 className="mt-5 text-sm font-semibold text-zinc-700 dark:text-zinc-300">People with access</h3>
      <ul aria-label="People with access" className="mt-1 max-h-80 divide-y divide-zinc-200 overflow-y-auto dark:divide-zinc-800">
        {doc.members.map((member) => (
          <MemberRow key={member.user.id} member={member} isSelf={member.user.id === me.id} manage={owner} onChangeRole={changeRole} onRemove={remove} />
        ))}
      </ul>

      <div className="mt-5 flex justify-end">
        <Button onClick={close}>Done</Button>
      </div>
    </Dialog>
  );
}
