/**
 * Which Scalr a file is written for: the top-level names its loader accepts, the Ruby that reads the
 * file, and the attributes its cookbook defines. Each profile in versions/ names the public source it
 * was read from. Pure: the caller reads version-manifest.txt and the installed library.
 * The files are named without dots (scalr-7-7-3.json): the build ships data files by plain names.
 */
import p700 from './versions/scalr-7-0-0.json';
import p773 from './versions/scalr-7-7-3.json';
import type { JsonValue, SettingType } from './schema';

export interface ProfileSetting {
  type: SettingType;
  default?: JsonValue;
  secret?: boolean;
}

export interface Profile {
  /** The first Scalr version the profile describes. */
  version: string;
  /** The first version it no longer describes. */
  below: string;
  /** The Ruby embedded in the package, which runs scalr-server-ctl's loader. */
  ruby: string;
  evidence: Record<string, string>;
  /** Groups and setters (enable_all) of libraries/scalr_server.rb. */
  names: string[];
  settings: Record<string, ProfileSetting>;
}

/** Oldest first. */
export const PROFILES: readonly Profile[] = [p700 as Profile, p773 as Profile];

export type VersionSource = 'option' | 'manifest' | 'installed' | 'default';

export interface ScalrTarget {
  source: VersionSource;
  /** The version given or read, when one was. */
  version?: string;
  /** The profile that covers the version, when one does. */
  profile?: Profile;
  /**
   * The names the loader accepts, when they are known for certain: from a profile that covers the
   * version, or read from the installed library. Undefined: unknown, so every name any profile knows
   * is accepted and others are only doubtful.
   */
  names?: ReadonlySet<string>;
  /** The Ruby version that loads the file, when known. */
  ruby?: string;
}

export interface TargetInput {
  /** --scalr-version. */
  option?: string;
  /** The text of <scalr-root>/version-manifest.txt, when it exists. */
  manifest?: string;
  /** The text of <scalr-root>/embedded/cookbooks/scalr-server/libraries/scalr_server.rb, when it exists. */
  installedLibrary?: string;
}

const VERSION = /^\d+(\.\d+){0,3}$/;

export function isVersion(text: string): boolean {
  return VERSION.test(text);
}

/** Numeric comparison of dotted versions; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function profileFor(version: string): Profile | undefined {
  return PROFILES.find((p) => compareVersions(version, p.version) >= 0 && compareVersions(version, p.below) < 0);
}

/** `scalr-server 7.7.3` (omnibus writes the project name and build version on the first line). */
export function manifestVersion(text: string): string | undefined {
  const first = text.split(/\r?\n/, 1)[0].trim();
  const m = /^scalr-server\s+v?(\d+(?:\.\d+){0,3})(?:[-+~_.\w]*)?$/.exec(first);
  return m?.[1];
}

/** The names of the `default :name, ...` lines of scalr_server.rb; undefined when there are none. */
export function libraryNames(text: string): Set<string> | undefined {
  const names = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*default[ \t(]+:([A-Za-z_]\w*)[ \t]*,/gm)) names.add(m[1]);
  return names.size ? names : undefined;
}

/** --scalr-version, else version-manifest.txt, else the installed library's names, else nothing known. */
export function resolveTarget(input: TargetInput): ScalrTarget {
  const fromVersion = (source: VersionSource, version: string): ScalrTarget => {
    const profile = profileFor(version);
    // Every 7.x package embeds Ruby 2.1.6, profiled or not.
    const ruby = profile?.ruby ?? (compareVersions(version, '7') >= 0 && compareVersions(version, '8') < 0 ? '2.1.6' : undefined);
    return { source, version, profile, names: profile ? new Set(profile.names) : undefined, ruby };
  };
  if (input.option !== undefined) return fromVersion('option', input.option);
  const manifest = input.manifest === undefined ? undefined : manifestVersion(input.manifest);
  if (manifest) return fromVersion('manifest', manifest);
  const names = input.installedLibrary === undefined ? undefined : libraryNames(input.installedLibrary);
  if (names) return { source: 'installed', names };
  return { source: 'default' };
}

/** Every name some profile accepts: what is allowed when the version is not known. */
export function knownNames(): Set<string> {
  return new Set(PROFILES.flatMap((p) => p.names));
}

/** Whether a top-level name is accepted: true, false, or undefined when that cannot be known. */
export function acceptsName(target: ScalrTarget, name: string): boolean | undefined {
  if (target.names) return target.names.has(name);
  return knownNames().has(name) ? true : undefined;
}

/** How doctor says what it judged by. */
export function describeTarget(target: ScalrTarget): string {
  switch (target.source) {
    case 'option':
      return `Scalr ${target.version} (--scalr-version)`;
    case 'manifest':
      return `Scalr ${target.version} (version-manifest.txt)`;
    case 'installed':
      return 'the installed scalr-server cookbook (libraries/scalr_server.rb)';
    case 'default':
      return 'no known Scalr version';
  }
}

/** `Scalr 7.0.0 up to 8.0.0`: what the profiles cover. */
export function profileRange(): string {
  return `Scalr ${PROFILES[0].version} up to ${PROFILES[PROFILES.length - 1].below}`;
}

/** Ruby version a ≥ b, by the numeric parts. */
export function rubyAtLeast(ruby: string, wanted: string): boolean {
  return compareVersions(ruby, wanted) >= 0;
}
