// Requesting a code, or signing out: a spinner and one sentence.
import { Spinner } from '../components/Spinner.tsx';

/** A screen that only says what the TV is doing. */
export function Busy({ title }: { title: string }) {
  return (
    <main className="screen busy" aria-busy="true">
      <Spinner />
      <h1 className="title">{title}</h1>
    </main>
  );
}
