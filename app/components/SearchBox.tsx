import { useId } from "react";
import { SearchIcon } from "./icons";
import { Spinner } from "./Spinner";
import { inputClass } from "./TextField";

/** The title filter above the document list; the label is for screen readers, the icon for eyes. */
export function SearchBox({ value, onChange, busy }: { value: string; onChange: (value: string) => void; busy: boolean }) {
  const id = useId();
  return (
    <div className="relative min-w-0 flex-1">
      <label htmlFor={id} className="sr-only">
        Search documents
      </label>
      <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-zinc-400">{busy ? <Spinner /> : <SearchIcon />}</span>
      <input
        id={id}
        type="search"
        placeholder="Search by title…"
        autoComplete="off"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && value) {
            e.preventDefault();
            onChange("");
          }
        }}
        className={`${inputClass} pl-9`}
      />
    </div>
  );
}
