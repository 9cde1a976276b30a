"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";
import { AuthCard } from "@/app/components/AuthCard";
import { Button } from "@/app/components/Button";
import { ErrorMessage } from "@/app/components/ErrorMessage";
import { Spinner } from "@/app/components/Spinner";
import { TextField } from "@/app/components/TextField";
import { TextLink } from "@/app/components/TextLink";
import { errorMessage, NAME_MAX, oneLineTextProblem, safeNext, signUpAndSignIn } from "@/app/lib/api";

const PASSWORD_MIN = 8;

/** Shown when signing in after sign-up fails; it must not tell whether the email has an account. */
const NOT_CREATED = "We could not create an account with these details. If you already have an account, sign in instead.";

function SignUpForm() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notCreated, setNotCreated] = useState(false);
  const signInHref = next === "/" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setNotCreated(false);
    const nameProblem = oneLineTextProblem(name.trim(), { label: "Name", max: NAME_MAX });
    if (nameProblem) {
      setError(`${nameProblem}.`);
      return;
    }
    if (password.length < PASSWORD_MIN) {
      setError(`Use a password of at least ${PASSWORD_MIN} characters.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const outcome = await signUpAndSignIn({ name: name.trim(), email: email.trim(), password });
      if (outcome === "signed-in") {
        router.replace(next);
        return;
      }
      setBusy(false);
      setNotCreated(true);
      setError(NOT_CREATED);
    } catch (e) {
      setBusy(false);
      setError(errorMessage(e));
    }
  };

  return (
    <AuthCard
      title="Create your account"
      subtitle="Write together with your team, on your own server."
      footer={
        <>
          Already have an account? <TextLink href={signInHref}>Sign in</TextLink>
        </>
      }
    >
      <form onSubmit={(e) => void submit(e)} className="space-y-4" aria-busy={busy}>
        {/* No maxLength: it counts UTF-16 units, and a name of 100 emoji is 100 characters. */}
        <TextField label="Name" name="name" autoComplete="name" required value={name} onChange={(e) => setName(e.target.value)} />
        <TextField label="Email" type="email" name="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <TextField
          label="Password"
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN}
          hint={`At least ${PASSWORD_MIN} characters.`}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorMessage message={error} />
        {notCreated ? (
          <p className="text-sm">
            <TextLink href={signInHref}>Sign in instead</TextLink>
          </p>
        ) : null}
        <Button type="submit" variant="primary" className="w-full" disabled={busy}>
          {busy ? <Spinner /> : null}
          Create account
        </Button>
      </form>
    </AuthCard>
  );
}

export default function SignUpPage() {
  return (
    <Suspense>
      <SignUpForm />
    </Suspense>
  );
}
