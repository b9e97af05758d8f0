import { fdStream } from './stream';
import { main } from './main';

export { main };

/** What bin/scalr-conf calls: runs the CLI and leaves its exit status in process.exitCode. */
export function run(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      fdStream(2).write(`scalr-conf: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
