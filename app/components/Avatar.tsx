/** Up to two initials: first letters of the first and last words of the name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? "?";
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** Black or white, whichever reads better on `hex` ("#rrggbb"), by WCAG relative luminance. */
export function textColorOn(hex: string): string {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return "#ffffff";
  const channel = (h: string | undefined) => {
    const c = parseInt(h ?? "0", 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * channel(match[1]) + 0.7152 * channel(match[2]) + 0.0722 * channel(match[3]);
  // Contrast with white is (1.05)/(l+0.05), with black (l+0.05)/0.05: pick the larger.
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? "#ffffff" : "#111827";
}

const SIZES = { sm: "size-7 text-[0.65rem]", md: "size-9 text-xs", lg: "size-10 text-sm" } as const;

/**
 * A round avatar with the user's initials on their colour. Decorative by default (the name is
 * shown beside it); pass `label` when it stands alone.
 */
export function Avatar({ name, color, size = "md", label, className = "" }: { name: string; color: string; size?: keyof typeof SIZES; label?: string; className?: string }) {
  return (
    <span
      role={label ? "img" : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      title={label ?? name}
      className={`inline-flex shrink-0 select-none items-center justify-center rounded-full font-semibold ring-2 ring-white dark:ring-zinc-900 ${SIZES[size]} ${className}`}
      style={{ backgroundColor: color, color: textColorOn(color) }}
    >
      {initials(name)}
    </span>
  );
}
