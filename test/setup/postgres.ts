/**
 * Says once per test run whether the PostgreSQL tests run: they need a server at
 * `ACP_TEST_POSTGRES_URL`, which `bash .ci/run` starts. Without one they skip,
 * except in CI, where a missing server fails the run: CI never passes by skipping them.
 */
export default function setup(): void {
  if (process.env.ACP_TEST_POSTGRES_URL !== undefined) return;
  if (process.env.CI) {
    throw new Error("ACP_TEST_POSTGRES_URL is not set: CI runs the PostgreSQL tests (.ci/run)");
  }
  console.warn(
    "postgres: ACP_TEST_POSTGRES_URL is not set, so the PostgreSQL tests skip; `bash .ci/run` starts a server and runs them, or set ACP_TEST_POSTGRES_URL=postgres://user@127.0.0.1:5432/db",
  );
}
