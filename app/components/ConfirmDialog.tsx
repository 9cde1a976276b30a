"use client";

import { useState, type ReactNode } from "react";
import { errorMessage } from "@/app/lib/api";
import { Button } from "./Button";
import { Dialog } from "./Dialog";
import { ErrorMessage } from "./ErrorMessage";
import { Spinner } from "./Spinner";

/**
 * Asks before a destructive action. `onConfirm` runs while the dialog shows progress; if it
 * throws, the message stays in the dialog and nothing closes. Cancel has the initial focus.
 */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    if (busy) return;
    setError(null);
    onClose();
  };

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setBusy(false);
    } catch (e) {
      setBusy(false);
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog open={open} onClose={close} title={title} description={description}>
      <ErrorMessage message={error} className="mb-4" />
      <div className="flex justify-end gap-2">
        <Button onClick={close} disabled={busy} data-autofocus>
          Cancel
        </Button>
        <Button variant="danger" onClick={() => void confirm()} disabled={busy} aria-busy={busy}>
          {busy ? <Spinner /> : null}
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
