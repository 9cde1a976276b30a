"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";
import { AuthCard } from "@/app/components/AuthCard";
import { Button } from "@/app/components/Button";
import { ErrorMessage } from "@/app/components/ErrorMessage";
import { Spinner } from "@/app/components/Spinner";
import { TextField } from "@/app/components/TextField";
import { TextLink } from "@/app/components/TextLink";
import { api, errorMessage, safeNext } from "@/app/lib/api";

function SignInForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn({ email: email.trim(), password });
      router.replace(next);
    } catch (e) {
      setBusy(false);
      setError(errorMessage(e));
    }
  };

  return (
    <AuthCard
      title="Sign in"
      subtitle="Welcome back. Pick up where your team left off."
      footer={
        <>
          New to Tandem? <TextLink href={next === "/" ? "/sign-up" : `/sign-up?next=${encodeURIComponent(next)}`}>Create an account</TextLink>
        </>
      }
    >
      <form onSubmit={(e) => void submit(e)} className="space-y-4" aria-busy={busy}>
        <TextField label="Email" type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField label="Password" type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <ErrorMessage message={error} />
        <Button type="submit" variant="primary" className="w-full" disabled={busy}>
          {busy ? <Spinner /> : null}
          Sign in
        </Button>
      </form>
    </AuthCard>
  );
}

export default function SignInPage() {
  return (
    <Suspense>
      <SignInForm />
    </Suspense>
  );
}
