/** The formatting toolbar's icons (decorative: every button has an aria-label). */
import type { ReactNode } from "react";

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" className="size-4">
      {children}
    </svg>
  );
}

/** A text glyph for the heading buttons, sized like the icons. */
export function Glyph({ children }: { children: ReactNode }) {
  return (
    <span aria-hidden="true" className="inline-flex h-4 min-w-4 items-center justify-center text-[0.8rem] font-semibold tracking-tight">
      {children}
    </span>
  );
}

export const BoldIcon = () => (
  <Icon>
    <path d="M7 5h6a3.5 3.5 0 0 1 0 7H7zM7 12h7a3.5 3.5 0 0 1 0 7H7z" />
  </Icon>
);
export const ItalicIcon = () => (
  <Icon>
    <path d="M19 4h-9M14 20H5M15 4 9 20" />
  </Icon>
);
export const StrikeIcon = () => (
  <Icon>
    <path d="M16 6.5C15.2 5 13.7 4 12 4c-2.5 0-4 1.5-4 3.3 0 1.1.6 2 1.8 2.7M4 12h16M8.5 17.5C9.3 19 10.6 20 12.3 20c2.6 0 4.2-1.5 4.2-3.5 0-.9-.3-1.7-.9-2.3" />
  </Icon>
);
export const CodeIcon = () => (
  <Icon>
    <path d="m16 18 6-6-6-6M8 6l-6 6 6 6" />
  </Icon>
);
export const BulletListIcon = () => (
  <Icon>
    <path d="M9 6h11M9 12h11M9 18h11" />
    <circle cx="4.5" cy="6" r="1" fill="currentColor" />
    <circle cx="4.5" cy="12" r="1" fill="currentColor" />
    <circle cx="4.5" cy="18" r="1" fill="currentColor" />
  </Icon>
);
export const OrderedListIcon = () => (
  <Icon>
    <path d="M10 6h10M10 12h10M10 18h10M4 4.5 5 4v4M4 8h2M3.8 14.2a1 1 0 0 1 1.9.4c0 .8-1.9 1.6-1.9 2.4h2" />
  </Icon>
);
export const TaskListIcon = () => (
  <Icon>
    <rect x="3" y="4" width="6" height="6" rx="1.2" />
    <path d="m4.5 16.5 1.5 1.5 3-3M13 7h8M13 17h8" />
  </Icon>
);
export const QuoteIcon = () => (
  <Icon>
    <path d="M5 18c2.5-.5 4-2.4 4-5V7H4v6h4M15 18c2.5-.5 4-2.4 4-5V7h-5v6h4" />
  </Icon>
);
export const CodeBlockIcon = () => (
  <Icon>
    <rect x="3" y="4" width="18" height="16" rx="2" />
    <path d="m10 10-2 2 2 2M14 10l2 2-2 2" />
  </Icon>
);
export const LinkIcon = () => (
  <Icon>
    <path d="M10 13.5a4 4 0 0 0 5.7.4l2.9-2.9a4 4 0 0 0-5.7-5.7l-1.2 1.2M14 10.5a4 4 0 0 0-5.7-.4l-2.9 2.9a4 4 0 0 0 5.7 5.7l1.2-1.2" />
  </Icon>
);
export const UndoIcon = () => (
  <Icon>
    <path d="M9 14 4 9l5-5" />
    <path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
  </Icon>
);
export const RedoIcon = () => (
  <Icon>
    <path d="m15 14 5-5-5-5" />
    <path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13" />
  </Icon>
);
