import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveTarget, type ScalrTarget } from '../knowledge/versions';

/** The Scalr to judge by: --scalr-version, else what the installed package says about itself. */
export function scalrTarget(option: string | undefined, root: string): ScalrTarget {
  if (option !== undefined) return resolveTarget({ option });
  return resolveTarget({
    manifest: readIfPresent(path.join(root, 'version-manifest.txt')),
    installedLibrary: readIfPresent(path.join(root, 'embedded/cookbooks/scalr-server/libraries/scalr_server.rb')),
  });
}

/** A file's text, or undefined when it cannot be read: then the next source is tried. */
function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}
