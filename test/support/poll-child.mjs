// Stats and reads the target as fast as it can until <stop file> exists, then prints
// {"polls":n,"missing":n,"torn":n}: missing = the path did not exist, torn = content was neither A nor B.
// argv: <target> <file with content A> <file with content B> <stop file>
import fs from 'node:fs';

const [target, aPath, bPath, stopPath] = process.argv.slice(2);
const a = fs.readFileSync(aPath);
const b = fs.readFileSync(bPath);
const parent = process.ppid;
let polls = 0;
let missing = 0;
let torn = 0;
process.stdout.write('ready\n');
for (;;) {
  polls++;
  if (fs.statSync(target, { throwIfNoEntry: false }) === undefined) missing++;
  try {
    const bytes = fs.readFileSync(target);
    if (!bytes.equals(a) && !bytes.equals(b)) torn++;
  } catch {
    missing++;
  }
  if (polls % 50 === 0 && (fs.existsSync(stopPath) || process.ppid !== parent)) break;
}
process.stdout.write(`${JSON.stringify({ polls, missing, torn })}\n`);
