import Link from "next/link";

/** Tandem's mark (two overlapping circles: two people writing together) and wordmark, linking home. */
export function Logo({ className = "" }: { className?: string }) {
  return (
    <Link
      href="/"
      className={`inline-flex items-center gap-2 rounded-md text-lg font-semibold tracking-tight text-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-zinc-50 ${className}`}
    >
      <svg aria-hidden="true" viewBox="0 0 32 32" className="size-7">
        <circle cx="12" cy="16" r="9" className="fill-indigo-500/90" />
        <circle cx="20" cy="16" r="9" className="fill-emerald-400/80 mix-blend-multiply dark:mix-blend-screen" />
      </svg>
      <span>Tandem</span>
    </Link>
  );
}
