import type { Command } from 'commander';
import type { RubyValue } from '../values/value';
import { compareUses, type Difference } from '../model/compareUses';
import { usesOf } from '../model/planEdit';
import type { Use, Uses } from '../model/uses';
import { isMissing } from '../io/localFile';
import { knownDefault } from '../knowledge/defaults';
import { isSecretKey } from '../knowledge/schema';
import { plainJson } from './valueText';
import { differenceLine, fileOf, type Side } from './differenceText';
import { readSecretsFile, readText, secretsFileFor } from '../app/configFiles';
import type { Deps } from '../app/deps';
import { EXIT, type Run } from '../app/exitCodes';
import { localFileFor, type GlobalOptions } from '../app/options';
import { asText } from '../app/text';

/** The word that says a configuration has no local file or secrets JSON. */
const NONE = 'none';

interface DiffOptions {
  localA?: string;
  localB?: string;
  secretsA?: string;
  secretsB?: string;
}

export function registerDiff(program: Command, deps: Deps, run: Run, globals: () => GlobalOptions): void {
  program
    .command('diff')
    .description('list the settings whose value Scalr uses differs between two configurations (exit 0: none, 1: some)')
    .argument('<a>', 'the first scalr-server.rb')
    .argument('<b>', 'the second scalr-server.rb')
    .option('--local-a <file>', `A's scalr-server-local.rb (default: the one beside A, if any; "${NONE}": no local file)`)
    .option('--local-b <file>', `B's scalr-server-local.rb (default: the one beside B, if any; "${NONE}": no local file)`)
    .option('--secrets-a <file>', `A's scalr-server-secrets.json (default: the one beside A, if any; "${NONE}": no secrets file)`)
    .option('--secrets-b <file>', `B's scalr-server-secrets.json (default: the one beside B, if any; "${NONE}": no secrets file)`)
    .addHelpText(
      'after',
      [
        '',
        'Formatting (quotes, key styles, layout, comments) and spellings reconfigure converts ("off" and false)',
        'are not differences: both sides are read as reconfigure reads them. Each line is `KEY: A → B`;',
        'a side that does not set KEY shows (unset). Secrets are masked unless --show-secrets.',
        '',
        'Examples:',
        '  scalr-conf diff /etc/scalr-server/scalr-server.rb ./golden/scalr-server.rb',
        '  scalr-conf diff a/scalr-server.rb b/scalr-server.rb --local-b none --json',
        '  ssh web2 cat /etc/scalr-server/scalr-server.rb > /tmp/web2.rb && scalr-conf diff /etc/scalr-server/scalr-server.rb /tmp/web2.rb --local-b none --secrets-b none',
        '',
      ].join('\n'),
    )
    .action((a: string, b: string, cmd: DiffOptions) => {
      const opts = globals();
      const sides = [side(a, cmd.localA, cmd.secretsA), side(b, cmd.localB, cmd.secretsB)] as const;
      const [ua, ub] = sides.map((s) => readUses(s));
      for (const [i, uses] of [ua, ub].entries()) {
        for (const p of uses.problems) {
          const file = p.source === 'main' ? sides[i].main : sides[i].local;
          deps.stderr.write(`scalr-conf: warning: ${file} line ${p.line}: ${asText(p.reason)}; reconfigure cannot load ${'AB'[i]}\n`);
        }
      }
      const differences = compareUses(ua, ub, knownDefault);
      const shown = (d: Difference) => !!opts.showSecrets || !isSecretKey(d.key);
      if (opts.json) {
        const files = (s: Side) => ({ main: s.main, local: s.local ?? null, secrets: s.secrets ?? null });
        const list = differences.map((d) => ({ key: asText(d.key), a: sideJson(d, d.a, sides[0], shown(d)), b: sideJson(d, d.b, sides[1], shown(d)) }));
        deps.stdout.write(JSON.stringify({ same: differences.length === 0, a: files(sides[0]), b: files(sides[1]), differences: list }) + '\n');
      } else {
        for (const d of differences) {
          deps.stdout.write(Buffer.from(differenceLine(d, sides[0], sides[1], shown(d)) + '\n', 'latin1'));
        }
      }
      // As diff(1): 0 the same, 1 different; every error has a status of its own, 2 and up.
      run.code = differences.length ? EXIT.DIFFERENT : EXIT.OK;
    });
}

/** A configuration's files: a given path must be readable; a default one is used when it is there. */
function side(main: string, local: string | undefined, secrets: string | undefined): Side {
  const pick = (given: string | undefined, beside: string) => (given === NONE ? undefined : given ?? (isMissing(beside) ? undefined : beside));
  return { main, local: pick(local, localFileFor(main)), secrets: pick(secrets, secretsFileFor(main)) };
}

function readUses(s: Side): Uses {
  const main = readText(s.main);
  const local = s.local === undefined ? undefined : readText(s.local);
  const secrets = s.secrets === undefined ? [] : readSecretsFile(s.secrets);
  const names = { main: s.main, local: s.local ?? localFileFor(s.main), secrets: s.secrets ?? secretsFileFor(s.main) };
  return usesOf(main, local, { secrets, defaultAt: knownDefault, names });
}

function sideJson(d: Difference, use: Use | undefined, s: Side, visible: boolean): unknown {
  const value = (v: RubyValue) => (visible ? plainJson(v) : '********');
  if (!use) return d.default ? { set: false, default: value(d.default) } : { set: false };
  const where = { file: fileOf(use, s), ...(use.line === undefined ? {} : { line: use.line }) };
  if (use.value) return { set: true, value: value(use.value), ...where };
  return { set: true, unknown: asText(use.unreadable ?? ''), ...where };
}
