import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAlive } from './lock';
import { MANAGED_BY } from './labels';
import { OutputError } from './output-error';
import { regularFileContent } from './previous';
import { byString } from '../order';

/**
 * The file-system calls writeTree makes that can fail for reasons outside the fleet; tests replace them to
 * simulate a full disk, a folder that cannot be written (tests run as root, which permission bits do not stop)
 * or a rename that fails half-way.
 */
export const io = {
  writeFile: (file: string, data: string): void => fs.writeFileSync(file, data),
  /** Throws (EACCES, EROFS) when files cannot be created, renamed or removed in `dir`. */
  checkWritable: (dir: string): void => fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK),
  rename: (from: string, to: string): void => fs.renameSync(from, to),
  makeStaging: (prefix: string): string => fs.mkdtempSync(prefix),
};

/** What a write did to the tree. */
export interface WriteStats {
  /** Files that did not exist before. */
  readonly written: number;
  /** Files whose content changed. */
  readonly changed: number;
  /** Files that existed but are no longer rendered. */
  readonly removed: number;
  /** Files left as they were (not even their modification time changes). */
  readonly unchanged: number;
  /** The removed files, root-relative, sorted. */
  readonly removedFiles: readonly string[];
}

export interface WriteOptions {
  /** Delete files under dist/ and clusters/ that synth did not write (no talos-flux-synth mark). @default false: refuse */
  readonly pruneForeign?: boolean;
}

/** The difference between the files on disk under `dirs` and the planned tree. */
export interface TreeDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  readonly unchanged: string[];
}

/** Prefix of the staging folders beside the tree; the pid of the synth that made one follows. */
export const STAGING_PREFIX = '.synth-staging-';

/**
 * What a thread that staged a planned file found: the file on disk is the same, or the new content is
 * staged under this name; `folder`: the file goes into a folder the tree does not have yet (root-relative),
 * staged whole under `tree/` to be moved into place in one rename.
 */
export type StagedFile = 'unchanged' | { readonly staged: string; readonly folder?: string };

/** Where in the staging folder new folders are built, as they will be in the tree. */
const STAGED_TREE = 'tree';

/** A staging folder made before rendering, and the files the rendering threads already compared and staged in it. */
export interface PreStaged {
  readonly dir: string;
  /**
   * Root-relative path → what its thread found: planned files besides the ones writeTree is given with
   * their content (which it compares and stages itself).
   */
  readonly files: ReadonlyMap<string, StagedFile>;
  /** The files on disk below the folders the threads listed (Stager.list), by folder. */
  readonly listed?: ReadonlyMap<string, readonly string[]>;
}

/** Makes the staging folder of a synth beside the tree (an OutputError when it cannot). */
export function makeStagingFolder(root: string): string {
  try {
    return io.makeStaging(path.join(root, `${STAGING_PREFIX}${process.pid}-`));
  } catch (err) {
    throw new OutputError(`cannot create a staging folder in ${root} (${errorCode(err)})`);
  }
}

/**
 * Stages planned files as a rendering thread produces them (lib/synth/pipeline.ts), so the threads share
 * the cost of writing a big tree: a file that differs from the one on disk is written to the staging
 * folder at once; writeTree later renames it into place. Used only under the output lock, so what it
 * found on disk still holds when writeTree runs.
 */
export class Stager {
  private count = 0;
  /** Folders (root-relative) known to exist in the tree, or not. */
  private readonly exists = new Map<string, boolean>();
  /** Folder of planned files → the topmost folder on the way to it that the tree does not have (null: none). */
  private readonly missing = new Map<string, string | null>();
  /** Folders made under the staged tree. */
  private readonly made = new Set<string>();

  /** `prefix` keeps the names of each thread apart. */
  constructor(private readonly root: string, private readonly dir: string, private readonly prefix: string) {}

  stage(rel: string, content: string): StagedFile {
    const folder = this.firstMissingFolder(rel);
    if (folder === undefined) {
      if (regularFileContent(path.join(this.root, rel)) === content) return 'unchanged';
      const name = `${this.prefix}${this.count++}`;
      io.writeFile(path.join(this.dir, name), content);
      return { staged: name };
    }
    // A new folder (a new cluster, a first synth): built in the staging folder, moved into place whole.
    const staged = `${STAGED_TREE}/${rel}`;
    this.makeStagedFolder(path.posix.dirname(staged));
    io.writeFile(path.join(this.dir, staged), content);
    return { staged, folder };
  }

  /**
   * Makes a folder of the staged tree and those above it, each once (no recursive mkdir trying every level
   * again). Another thread's stager may have made one of those above (tree/, tree/dist/).
   */
  private makeStagedFolder(folder: string): void {
    if (this.made.has(folder)) return;
    const parent = path.posix.dirname(folder);
    if (parent !== '.') this.makeStagedFolder(parent);
    try {
      fs.mkdirSync(path.join(this.dir, folder));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    this.made.add(folder);
  }

  /**
   * The files below `dir` in the tree (listFiles), for writeTree to take instead of listing the folder
   * again; undefined when listFiles fails (a link), which writeTree then reports as it lists the folder itself.
   */
  list(dir: string): string[] | undefined {
    try {
      return listFiles(this.root, dir);
    } catch (err) {
      if (err instanceof OutputError) return undefined;
      throw err;
    }
  }

  /** The topmost folder on the way to `rel` that the tree does not have, if any (looked up once per folder). */
  private firstMissingFolder(rel: string): string | undefined {
    const dir = path.posix.dirname(rel);
    let missing = this.missing.get(dir);
    if (missing === undefined) {
      missing = this.firstMissingOf(dir) ?? null;
      this.missing.set(dir, missing);
    }
    return missing ?? undefined;
  }

  private firstMissingOf(dir: string): string | undefined {
    const parts = dir.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      let exists = this.exists.get(folder);
      if (exists === undefined) {
        exists = fs.lstatSync(path.join(this.root, folder), { throwIfNoEntry: false }) !== undefined;
        this.exists.set(folder, exists);
      }
      if (!exists) return folder;
    }
    return undefined;
  }
}

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Lists the files below `root/dir` as root-relative POSIX paths, sorted. A symbolic link anywhere (the
 * folder itself included) is refused: following it would read or write outside the repository.
 */
export function listFiles(root: string, dir: string): string[] {
  return filesBelow(root, dir).sort();
}

/**
 * listFiles unsorted; a folder (at any depth) that a rendering thread listed (`listed`, by root-relative
 * folder) is taken from there instead of being read again.
 */
function filesBelow(root: string, dir: string, listed?: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  const refuseLink = (rel: string) => {
    const target = fs.readlinkSync(path.join(root, rel));
    throw new OutputError(`${rel} is a symbolic link (to ${target}); synth never writes through links in dist/ and clusters/: remove it (rm ${rel}) and run synth again`);
  };
  // A selection owns dist/<cluster>: the folders above it must not be links either.
  const parts = dir.split('/');
  for (let i = 1; i < parts.length; i++) {
    const above = parts.slice(0, i).join('/');
    if (fs.lstatSync(path.join(root, above), { throwIfNoEntry: false })?.isSymbolicLink()) refuseLink(above);
  }
  const top = fs.lstatSync(path.join(root, dir), { throwIfNoEntry: false });
  if (!top) return out;
  if (top.isSymbolicLink()) refuseLink(dir);
  if (!top.isDirectory()) throw new OutputError(`${dir} is not a folder; synth writes its output into the folders dist/ and clusters/`);
  const walk = (rel: string) => {
    const known = listed?.get(rel);
    if (known) {
      for (const file of known) out.push(file);
      return;
    }
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isSymbolicLink()) refuseLink(child);
      else if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out;
}

/**
 * Compares the planned tree (`files`, and the files rendering threads staged, `known`) with what is on
 * disk under the owned folders. A file a thread already compared is not read again, and a folder a
 * thread listed (`listed`) is not listed again.
 */
export function diffTree(root: string, dirs: readonly string[], files: ReadonlyMap<string, string>, known?: ReadonlyMap<string, StagedFile>,
  listed?: ReadonlyMap<string, readonly string[]>): TreeDiff {
  const diff: TreeDiff = { added: [], changed: [], removed: [], unchanged: [] };
  const existing = new Set(dirs.flatMap((d) => filesBelow(root, d, listed)));
  for (const [rel, content] of files) {
    const seen = known?.get(rel);
    if (!existing.has(rel)) diff.added.push(rel);
    else if (seen === 'unchanged' || (seen === undefined && fs.readFileSync(path.join(root, rel), 'utf8') === content)) diff.unchanged.push(rel);
    else diff.changed.push(rel);
  }
  for (const [rel, seen] of known ?? []) {
    if (files.has(rel)) continue;
    if (!existing.has(rel)) diff.added.push(rel);
    else if (seen === 'unchanged') diff.unchanged.push(rel);
    else diff.changed.push(rel);
  }
  for (const rel of existing) if (!files.has(rel) && !known?.has(rel)) diff.removed.push(rel);
  diff.removed.sort();
  return diff;
}

/**
 * Whether synth could have written this file: it carries the tool's mark (the managed-by label, the
 * "generated by" header of artifacts), or it is a layer's kustomization.yaml or a template of the
 * bootstrap chart. A README.md or a hand-made manifest does not.
 */
export function isGenerated(rel: string, content: string): boolean {
  if (content.includes(MANAGED_BY)) return true;
  if (path.posix.basename(rel) === 'kustomization.yaml') return /^kind: Kustomization$/m.test(content);
  return /^dist\/[^/]+\/bootstrap\/charts\/[^/]+\/templates\//.test(rel);
}

/** The first few items, then how many more: for one-line messages. */
export function firstFew(items: readonly string[], few = 5): string {
  return items.length <= few ? items.join(', ') : `${items.slice(0, few).join(', ')} and ${items.length - few} more`;
}

/** A `..` step in a relative path. */
const PARENT_STEP = /(^|\/)\.\.(\/|$)/;

/**
 * Makes the owned folders under `root` hold exactly `files`, touching only what differs. The caller holds
 * the output lock (withOutputLock).
 *
 * Everything that can be checked is checked before anything changes: no symbolic link under the folders,
 * no file to delete that synth did not write (unless `pruneForeign`), every folder to change writable.
 * All new content is then written to a staging folder beside the tree; only when every file is staged are
 * they renamed into place and stale files moved away. The old version of every replaced or removed file
 * is kept in the staging folder (a hard link, no copy) until the end, so a rename that fails half-way puts
 * back everything renamed before it: the tree is the old one or the new one, never half of each.
 * Unchanged files keep their bytes and modification times.
 */
export function writeTree(root: string, dirs: readonly string[], files: ReadonlyMap<string, string>, options: WriteOptions = {}, prestaged?: PreStaged): WriteStats {
  for (const rel of [...files.keys(), ...(prestaged?.files.keys() ?? [])]) {
    if (!dirs.some((d) => rel.startsWith(`${d}/`)) || PARENT_STEP.test(rel)) {
      if (prestaged) fs.rmSync(prestaged.dir, { recursive: true, force: true });
      throw new Error(`refusing to write ${rel}: outside ${dirs.join(', ')}`);
    }
  }
  let staging = prestaged?.dir;
  let keepStaging = false;
  try {
    const diff = diffTree(root, dirs, files, prestaged?.files, prestaged?.listed);
    if (!options.pruneForeign) refuseForeignRemovals(root, diff.removed);
    checkWritable(root, [...diff.added, ...diff.changed, ...diff.removed]);
    staging ??= makeStagingFolder(root);
    // Staged flat, by number (or by the name a rendering thread gave): no staging folders to create and remove.
    const existed = new Set(diff.changed);
    // New folders staged whole are moved in one rename each; the other files one by one.
    const folders = new Set<string>();
    const toWrite: StagedWrite[] = [];
    [...diff.added, ...diff.changed].forEach((rel, i) => {
      const seen = prestaged?.files.get(rel);
      if (seen !== undefined && seen !== 'unchanged' && seen.folder !== undefined && !existed.has(rel)) folders.add(seen.folder);
      else if (seen !== undefined && seen !== 'unchanged' && seen.folder === undefined) toWrite.push({ rel, staged: seen.staged, existed: existed.has(rel) });
      else {
        io.writeFile(path.join(staging as string, String(i)), files.get(rel) as string);
        toWrite.push({ rel, staged: String(i), existed: existed.has(rel) });
      }
    });
    // New files, then replaced ones, each by path: the files the threads staged come in the order the threads took their clusters.
    toWrite.sort((a, b) => Number(a.existed) - Number(b.existed) || byString(a.rel, b.rel));
    applyStaged(root, staging, [...folders].sort(), toWrite, diff.removed);
    removeEmptiedFolders(root, dirs, diff.removed);
    return { written: diff.added.length, changed: diff.changed.length, removed: diff.removed.length, unchanged: diff.unchanged.length, removedFiles: diff.removed };
  } catch (err) {
    keepStaging = err instanceof RollbackFailed;
    if (err instanceof OutputError || staging === undefined) throw err;
    throw new OutputError(`cannot stage the new files in ${path.basename(staging)} (${errorCode(err)})`);
  } finally {
    if (staging !== undefined && !keepStaging) fs.rmSync(staging, { recursive: true, force: true });
  }
}

function refuseForeignRemovals(root: string, removed: readonly string[]): void {
  const foreign = removed.filter((rel) => !isGenerated(rel, fs.readFileSync(path.join(root, rel), 'utf8')));
  if (!foreign.length) return;
  throw new OutputError(`synth would delete ${firstFew(foreign)}, which it did not write (no ${MANAGED_BY} mark); ` +
    'move what you want to keep out of dist/ and clusters/, or run synth with --prune-foreign to delete it');
}

/** Every folder where a file is created, replaced or removed (or the nearest existing one above it) must be writable. */
function checkWritable(root: string, rels: readonly string[]): void {
  const folders = new Set<string>(['.']);
  // The nearest existing folder of each folder, looked up once per folder (not once per file or per level).
  const nearest = new Map<string, string>([['.', '.']]);
  const nearestOf = (dir: string): string => {
    let found = nearest.get(dir);
    if (found === undefined) {
      found = fs.existsSync(path.join(root, dir)) ? dir : nearestOf(path.posix.dirname(dir));
      nearest.set(dir, found);
    }
    return found;
  };
  for (const rel of rels) folders.add(nearestOf(path.posix.dirname(rel)));
  for (const dir of [...folders].sort()) {
    try {
      io.checkWritable(path.join(root, dir));
    } catch (err) {
      throw new OutputError(`cannot write ${dir === '.' ? root : `${dir}/`} (${errorCode(err)})`);
    }
  }
}

/** A rename failed and some of the renames before it could not be undone: the staging folder holds their old content. */
class RollbackFailed extends OutputError {}

/** A file of the tree to put in place from the staging folder. */
interface StagedWrite {
  readonly rel: string;
  /** Its name in the staging folder. */
  readonly staged: string;
  /** Whether it replaces a file of the tree. */
  readonly existed: boolean;
}

/**
 * Moves the new folders staged whole into place, renames the other staged files into place and moves the
 * removed ones into the staging folder, keeping the old content there. On a failure, undoes what it did
 * and throws.
 */
function applyStaged(root: string, staging: string, newFolders: readonly string[], toWrite: readonly StagedWrite[], removed: readonly string[]): void {
  const undo: Array<() => void> = [];
  const madeDirs: string[] = [];
  const folders = new Set<string>();
  let current = '';
  try {
    for (const folder of newFolders) {
      current = `${folder}/`;
      const target = path.join(root, folder);
      const made = fs.mkdirSync(path.dirname(target), { recursive: true });
      if (made) madeDirs.push(made);
      io.rename(path.join(staging, STAGED_TREE, folder), target);
      undo.push(() => fs.renameSync(target, path.join(staging, STAGED_TREE, folder)));
    }
    toWrite.forEach(({ rel, staged, existed }, i) => {
      current = rel;
      const target = path.join(root, rel);
      const folder = path.dirname(target);
      if (!folders.has(folder)) {
        const made = fs.mkdirSync(folder, { recursive: true });
        if (made) madeDirs.push(made);
        folders.add(folder);
      }
      if (existed) {
        const backup = path.join(staging, `old-${i}`);
        keepOld(target, backup);
        io.rename(path.join(staging, staged), target);
        undo.push(() => fs.renameSync(backup, target));
      } else {
        io.rename(path.join(staging, staged), target);
        undo.push(() => fs.rmSync(target));
      }
    });
    removed.forEach((rel, i) => {
      current = rel;
      const target = path.join(root, rel);
      const backup = path.join(staging, `removed-${i}`);
      io.rename(target, backup);
      undo.push(() => fs.renameSync(backup, target));
    });
  } catch (err) {
    let failed = 0;
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        failed++;
      }
    }
    for (const dir of madeDirs.reverse()) removeEmptyDirs(dir);
    if (failed) {
      // Keep the staging folder: it holds the old content of what could not be put back.
      throw new RollbackFailed(`cannot write ${current} (${errorCode(err)}), and ${failed} file${failed === 1 ? '' : 's'} could not be put back: ` +
        `their previous content is in ${path.basename(staging)}; run synth again once the cause is fixed`);
    }
    throw new OutputError(`cannot write ${current} (${errorCode(err)}); every file already renamed was put back`);
  }
}

/** A second name for the old file (same content and modification time); a copy where hard links are not possible. */
function keepOld(file: string, backup: string): void {
  try {
    fs.linkSync(file, backup);
  } catch {
    fs.copyFileSync(file, backup);
    const st = fs.statSync(file);
    fs.utimesSync(backup, st.atime, st.mtime);
  }
}

/**
 * Removes staging folders a killed synth left behind. Called under the output lock, so none of them is in
 * use, except by a live synth of an older version without the lock: a folder whose pid is alive is kept.
 */
export function removeStaleStaging(root: string): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(root)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(/^\.synth-staging-(\d+)-/.exec(name)?.[1]);
    if (pid && pid !== process.pid && isAlive(pid)) continue;
    fs.rmSync(path.join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Removes the folders that removing `removed` left empty, up to and including the owned folder they are
 * in: only those can have become empty (a full walk of a big tree read every folder of it).
 */
function removeEmptiedFolders(root: string, dirs: readonly string[], removed: readonly string[]): void {
  const folders = new Set(removed.map((rel) => path.posix.dirname(rel)));
  // Deepest first, so a folder is tried after the folders in it.
  for (const start of [...folders].sort((a, b) => b.split('/').length - a.split('/').length || byString(a, b))) {
    const owner = dirs.find((d) => start === d || start.startsWith(`${d}/`));
    for (let dir = start; owner !== undefined && (dir === owner || dir.startsWith(`${owner}/`)); dir = path.posix.dirname(dir)) {
      try {
        fs.rmdirSync(path.join(root, dir));
      } catch {
        break; // not empty (or already gone with a folder below it tried first): nothing above it is empty either
      }
    }
  }
}

function removeEmptyDirs(dir: string): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const e of entries) {
    if (!e.isDirectory() || !removeEmptyDirs(path.join(dir, e.name))) empty = false;
  }
  if (!empty) return false;
  try {
    fs.rmdirSync(dir);
  } catch {
    // An empty folder that cannot be removed is harmless: it holds nothing Flux would apply.
    return false;
  }
  return true;
}
