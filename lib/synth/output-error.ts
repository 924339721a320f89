/**
 * dist/ and clusters/ could not be written (or checked) safely: a symbolic link in them, a folder that
 * cannot be written, another synth holding the lock, a file synth did not write about to be deleted.
 * One line; whoever throws it has left the tree as it was.
 */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

export function isOutputError(err: unknown): err is OutputError {
  return err instanceof OutputError;
}
