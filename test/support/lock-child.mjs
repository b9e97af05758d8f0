// Takes the scalr-conf lock in a separate process.
// argv: <io bundle> <real path> <wait seconds> <hold ms> [shared file] [tag]
// Prints "locked" once held and "released" after; with a shared file, appends
// "start <tag>" and "end <tag>" lines around the hold. Errors print "error <code>" and exit 3.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, realPath, wait, hold, shared, tag] = process.argv.slice(2);
const io = await import(pathToFileURL(bundle).href);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const parent = process.ppid;
// Stops on its own if the test runner goes away without killing it.
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
try {
  await io.withLock(realPath, { waitSeconds: Number(wait) }, async () => {
    process.stdout.write('locked\n');
    if (shared) fs.appendFileSync(shared, `start ${tag}\n`);
    await sleep(Number(hold));
    if (shared) fs.appendFileSync(shared, `end ${tag}\n`);
  });
  process.stdout.write('released\n');
} catch (err) {
  process.stdout.write(`error ${err.code ?? err.message}\n`);
  process.exitCode = 3;
}
