/**
 * Commands return their exit code instead of touching the process; `main` collects it so only
 * `bin` sets the exit code (STYLE.md).
 */
let last = 0;

export function action<A extends unknown[]>(fn: (...args: A) => number | Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    last = await fn(...args);
  };
}

export function takeExitCode(): number {
  const c = last;
  last = 0;
  return c;
}
