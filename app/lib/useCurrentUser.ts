"use client";

import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { api, ApiError, errorMessage, isAbort, signInPath, type User } from "./api";

export type CurrentUser = { status: "loading" } | { status: "ready"; user: User } | { status: "error"; message: string };

/**
 * The signed-in user, from `GET /api/users/me`. Without a session (401) it sends the browser to
 * the sign-in page, which comes back here afterwards.
 */
export function useCurrentUser(): { state: CurrentUser; retry: () => void; redirectToSignIn: () => void } {
  const router = useRouter();
  const pathname = usePathname();
  const [state, setState] = useState<CurrentUser>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  const redirectToSignIn = useCallback(() => {
    const path = typeof window === "undefined" ? pathname : window.location.pathname + window.location.search;
    router.replace(signInPath(path));
  }, [pathname, router]);

  useEffect(() => {
    const controller = new AbortController();
    api.me(controller.signal).then(
      (user) => setState({ status: "ready", user }),
      (error: unknown) => {
        if (isAbort(error)) return;
        if (error instanceof ApiError && error.unauthorized) redirectToSignIn();
        else setState({ status: "error", message: errorMessage(error) });
      },
    );
    return () => controller.abort();
  }, [attempt, redirectToSignIn]);

  const retry = useCallback(() => {
    setState({ status: "loading" });
    setAttempt((n) => n + 1);
  }, []);

  return { state, retry, redirectToSignIn };
}
