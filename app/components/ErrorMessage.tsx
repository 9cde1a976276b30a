/**
 * An error shown to the person, announced by screen readers (role="alert" is an assertive live
 * region). Renders nothing without a message, so it can stay mounted.
 */
export function ErrorMessage({ message, onDismiss, className = "" }: { message: string | null | undefined; onDismiss?: () => void; className?: string }) {
  return (
    <div role="alert" aria-live="assertive" className={message ? className : "sr-only"}>
      {message ? (
        <div className="flex items-start gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-500/30 dark:bg-red-500/10 dark:text-red-200">
          <svg aria-hidden="true" viewBox="0 0 20 20" className="mt-0.5 size-4 shrink-0 fill-current">
            <path d="M10 1.5a8.5 8.5 0 1 0 0 17 8.5 8.5 0 0 0 0-17Zm-.75 4.25h1.5v5.5h-1.5v-5.5Zm.75 8.75a1 1 0 1 1 0-2 1 1 0 0 1 0 2Z" />
          </svg>
          <p className="flex-1">{message}</p>
          {onDismiss ? (
            <button
              type="button"
              onClick={onDismiss}
              className="-my-0.5 rounded px-1 text-red-700 hover:bg-red-100 focus-visible:outline-2 focus-visible:outline-red-500 dark:text-red-200 dark:hover:bg-red-500/20"
            >
              Dismiss
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
