/**
 * What a CLI's main function talks to. index.ts passes the real process streams; tests pass
 * collecting buffers, so a CLI can be run in-process and its output asserted.
 */
export interface OutputStream {
  write(text: string): unknown;
  /** True when a person is watching: progress bars instead of one line per item. */
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
}

/** The process's own streams and environment, for index.ts. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Runs a CLI's main and exits with its code; an unexpected exception is exit code 1 with the message. */
export function runMain(main: (argv: string[], io: CliIo) => Promise<number>): void {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
