import type { ComponentProps } from "react";

/**
 * A native `<select>` (keyboard and screen-reader behaviour for free) drawn like the text
 * inputs: same height and ring, with its own chevron so both colour schemes match.
 */
export function Select({ className = "", children, ...props }: ComponentProps<"select">) {
  return (
    <div className={`relative ${className}`}>
      <select
        {...props}
        className="block h-9 w-full appearance-none rounded-lg border-0 bg-white py-0 pr-8 pl-3 text-sm text-zinc-900 shadow-sm ring-1 ring-zinc-300 ring-inset focus:ring-2 focus:ring-indigo-500 focus:outline-none focus:ring-inset disabled:opacity-60 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700"
      >
        {children}
      </select>
      <svg
        aria-hidden="true"
        viewBox="0 0 20 20"
        className="pointer-events-none absolute top-1/2 right-2.5 size-4 -translate-y-1/2 fill-zinc-500 dark:fill-zinc-400"
      >
        <path d="M5.2 7.6a.75.75 0 0 1 1.06 0L10 11.34l3.74-3.74a.75.75 0 1 1 1.06 1.06l-4.27 4.27a.75.75 0 0 1-1.06 0L5.2 8.66a.75.75 0 0 1 0-1.06Z" />
      </svg>
    </div>
  );
}
