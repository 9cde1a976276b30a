import Link, { type LinkProps } from "next/link";
import type { ReactNode } from "react";

/** An inline link in running text. */
export function TextLink({ children, className = "", ...props }: LinkProps & { children: ReactNode; className?: string }) {
  return (
    <Link
      {...props}
      className={`rounded font-medium text-indigo-600 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-indigo-400 ${className}`}
    >
      {children}
    </Link>
  );
}
