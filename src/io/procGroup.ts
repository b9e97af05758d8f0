/**
 * Process groups, read from /proc. A program started in its own group (spawn's `detached`) can be
 * signalled with everything it started, and "has it ended" means no live member is left: a zombie
 * counts as ended, since kill(-pgid, 0) still succeeds on one until its parent reaps it.
 */
import fs from 'node:fs';

/** Pids of the live (non-zombie) processes in group pgid. */
export function liveMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') pids.push(Number(name));
  }
  return pids;
}

/** Sends signal to every process in group pgid; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once group pgid has no live member. */
export async function groupEnded(pgid: number, pollMs = 50): Promise<void> {
  while (liveMembers(pgid).length > 0) await new Promise((r) => setTimeout(r, pollMs));
}
