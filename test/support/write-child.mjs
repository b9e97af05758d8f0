// Once a line arrives on stdin, rewrites the target forever, alternating between two contents,
// until killed. Started ahead of time so that its start-up cost overlaps other trials.
// argv: <io bundle> <target> <file with content A> <file with content B>
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, target, aPath, bPath] = process.argv.slice(2);
const io = await import(pathToFileURL(bundle).href);
const a = fs.readFileSync(aPath);
const b = fs.readFileSync(bPath);
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const parent = process.ppid;
// Stops on its own if the test runner goes away without killing it.
while (process.ppid === parent) {
  const current = io.readConfig(target);
  io.writeAtomic(current, current.bytes.equals(a) ? b : a);
}
