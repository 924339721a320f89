import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputError } from './output-error';

/** The lock file of a repository's output (gitignored): it holds the pid of the synth that writes or checks it. */
export const LOCK_FILE = '.synth.lock';

/** How long a synth waits for another one to finish before it gives up. @default 60 s (SYNTH_LOCK_TIMEOUT, seconds) */
export function lockTimeoutMs(): number {
  const seconds = Number(process.env.SYNTH_LOCK_TIMEOUT);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 60_000;
}

/** A lock file that is still empty this long after it was created belongs to a process killed while creating it. */
const EMPTY_LOCK_GRACE_MS = 5_000;
const POLL_MS = 50;
/** The holder of a lock whose pid is not written yet. */
const UNKNOWN_PID = 0;

/** True while a process with this id exists (EPERM: it exists, owned by another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding `root/.synth.lock`, so two synths (or a synth and `--check`) never work on the
 * same dist/ and clusters/ at once: the second waits for the first, up to `timeoutMs`, then fails with
 * one line. The lock is created with O_EXCL; a lock left by a dead process (a killed synth) is taken over.
 */
export function withOutputLock<T>(root: string, fn: () => T, timeoutMs = lockTimeoutMs()): T {
  const file = path.join(root, LOCK_FILE);
  acquire(file, timeoutMs);
  try {
    return fn();
  } finally {
    release(file);
  }
}

function acquire(file: string, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new OutputError(`cannot create the lock ${LOCK_FILE} in ${path.dirname(file)} (${code ?? (err as Error).message})`);
    }
    const holder = readHolder(file);
    if (holder === 'gone') continue;
    if (holder === 'stale') {
      takeOver(file);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new OutputError(`another synth (pid ${holder === UNKNOWN_PID ? '?' : holder}) is writing or checking dist/ and clusters/ (${LOCK_FILE}); waited ${Number((timeoutMs / 1000).toFixed(1))} s (SYNTH_LOCK_TIMEOUT)`);
    }
    sleep(POLL_MS);
  }
}

/** The pid holding the lock, 'stale' when that process is gone, 'gone' when the lock was released meanwhile. */
function readHolder(file: string): number | 'stale' | 'gone' {
  let content: string;
  let mtimeMs: number;
  try {
    content = fs.readFileSync(file, 'utf8');
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return 'gone';
  }
  const pid = Number.parseInt(content, 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    // Being written this very moment, or left empty by a process killed in between.
    return Date.now() - mtimeMs > EMPTY_LOCK_GRACE_MS ? 'stale' : UNKNOWN_PID;
  }
  // Our own pid can only be a leftover: this process takes the lock once and releases it in `finally`.
  return pid === process.pid || !isAlive(pid) ? 'stale' : pid;
}

/**
 * Removes a stale lock without removing a fresh one another process may have created since we read it:
 * the lock is moved aside first, and put back (without overwriting) if what was moved turns out to be live.
 */
function takeOver(file: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return;
  }
  try {
    if (readHolder(aside) !== 'stale') fs.linkSync(aside, file);
  } catch {
    // EEXIST: a third process has locked meanwhile; the one we moved aside was stale anyway.
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function release(file: string): void {
  try {
    if (Number.parseInt(fs.readFileSync(file, 'utf8'), 10) === process.pid) fs.rmSync(file);
  } catch {
    // Already gone: nothing to release.
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
