/** Where the CLI writes: stdout and stderr, injectable for tests and embedding. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The process's own stdout and stderr. */
export const STDIO: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};
