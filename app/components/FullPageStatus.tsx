import type { ReactNode } from "react";
import { Logo } from "./Logo";
import { Spinner } from "./Spinner";

/** A centred message filling the page: loading, a failure with a way out, a not-found. */
export function FullPageStatus({ title, children, loading = false }: { title: string; children?: ReactNode; loading?: boolean }) {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 px-6 text-center" aria-busy={loading}>
      {loading ? <Spinner className="size-6 text-indigo-500" /> : <Logo className="mb-6" />}
      <h1 className={loading ? "text-sm text-zinc-600 dark:text-zinc-400" : "text-2xl font-semibold tracking-tight"}>{title}</h1>
      {children}
    </main>
  );
}
