import Link from "next/link";
import { buttonClass } from "./components/Button";
import { FullPageStatus } from "./components/FullPageStatus";

export default function NotFound() {
  return (
    <FullPageStatus title="Page not found">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">There is nothing at this address.</p>
      <Link href="/" className={buttonClass("primary")}>
        Back to your documents
      </Link>
    </FullPageStatus>
  );
}
