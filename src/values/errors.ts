/**
 * Errors are data: a code the CLI maps to an exit status, a one-line message, and where in the
 * file the problem is (1-based line/column) when it comes from the file.
 */
export type ErrorCode =
  | 'usage' // malformed key, value or command line
  | 'syntax' // the file does not parse
  | 'unsupported' // the file cannot be edited with certainty (non-literal, conditional, ...)
  | 'not-hash' // a key on the path holds a non-hash value
  | 'not-set' // get of a key that has no value
  | 'unreadable' // the file cannot be read
  | 'busy' // another scalr-conf holds the lock
  | 'changed-on-disk' // the file changed between read and write
  | 'verify-failed' // the new text failed verification (re-parse, ruby -c)
  | 'write-failed' // the new text could not be installed
  | 'reconfigure-failed' // scalr-server-ctl failed after a write
  | 'ctl-not-found' // scalr-server-ctl cannot be found
  | 'aborted' // the user declined the confirmation
  // A planned edit that would not do what was asked, in what Scalr uses:
  | 'overridden' // a later file (scalr-server-local.rb) decides the key, so the edit has no effect
  | 'held-by-secrets' // scalr-server-secrets.json decides the key
  | 'collateral' // the edit would change other settings too
  | 'breaks-load' // the edit would leave a file reconfigure cannot load
  | 'replaces-hash' // a hash would become a scalar or a scalar a hash (needs --force)
  | 'becomes-boolean' // reconfigure's string2boolean would turn the string into a boolean or nil
  | 'symbol-value'; // a Symbol under app[:configuration] reaches config.yml as ":name" (needs --force)

export interface SourcePosition {
  line: number;
  column: number;
  /** Where the range ends, when the problem spans more than a point. */
  endLine?: number;
  endColumn?: number;
}

/**
 * File text a message quotes (`near "..."`, `holds ...`): the message is made where no one knows
 * which keys are secret, so whoever shows it masks the quote by the secret ranges of `text`.
 */
export interface Quoted {
  /** The whole text the quote comes from, so that its parse says what is secret. */
  text: string;
  start: number;
  end: number;
  /** How the message shows that text; the masked text is shown the same way. */
  render(excerpt: string): string;
}

export class ScalrConfError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly position?: SourcePosition,
    /** The file the position is in, when it is not the file the command targets. */
    readonly file?: string,
    readonly quoted?: Quoted,
  ) {
    super(message);
    this.name = 'ScalrConfError';
  }
}

export function fail(code: ErrorCode, message: string, position?: SourcePosition, file?: string, quoted?: Quoted): never {
  throw new ScalrConfError(code, message, position, file, quoted);
}
