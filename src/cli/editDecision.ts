/**
 * What `scalr-conf edit` lets the user do with an edited copy, decided from how the copy fared:
 *
 * - clean: install, re-edit or abandon;
 * - doubtful (doctor errors the current files do not have, a line reconfigure would fail on, or a
 *   changed value only Ruby can compute):
 *   installing asks once more, "are you sure", unless --force; with --yes (no questions) it is
 *   refused unless --force;
 * - broken (does not parse, or Ruby's own check refuses it): it cannot be installed at all, as the
 *   write path would refuse it; re-edit or abandon.
 */

export type Verdict = 'clean' | 'doubtful' | 'broken';

export type Answer = 'install' | 're-edit' | 'abandon';

export interface Offer {
  answers: Answer[];
  /** Whether choosing install asks for a second, explicit confirmation. */
  confirmInstall: boolean;
}

export function offerFor(verdict: Verdict, force: boolean): Offer {
  if (verdict === 'broken') return { answers: ['re-edit', 'abandon'], confirmInstall: false };
  return { answers: ['install', 're-edit', 'abandon'], confirmInstall: verdict === 'doubtful' && !force };
}

/** With --yes nobody is asked: install what may be installed without a question, refuse the rest. */
export function unaskedAnswer(verdict: Verdict, force: boolean): 'install' | 'refuse' {
  return verdict === 'clean' || (verdict === 'doubtful' && force) ? 'install' : 'refuse';
}
