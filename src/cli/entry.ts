import { fdStream } from '../app/stream';
import { EXIT } from '../app/exitCodes';
import { main } from './main';

export { main };

/** One line, never a stack trace, and the status no outcome shares (diff's 1 means "different"). */
function internal(e: unknown): void {
  fdStream(2).write(`scalr-conf: internal error: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}\n`);
}

/** What bin/scalr-conf calls: runs the CLI and leaves its exit status in process.exitCode. */
export function run(argv: string[]): Promise<void> {
  // Node's own status for an exception thrown outside main's promise would be 1.
  process.once('uncaughtException', (e) => {
    internal(e);
    process.exit(EXIT.INTERNAL);
  });
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      internal(e);
      process.exitCode = EXIT.INTERNAL;
    },
  );
}
