# Runs a command on a real pseudo-terminal and types into it, for test/terminal.test.ts.
# argv[1] is JSON: {argv, cwd, env, stdin (a file for fd 0, else the terminal), session
# ("controlling": the pty is the controlling terminal; "none": setsid, the pty is only stdout and
# stderr), steps: [{expect: regex, send: text}], timeout}. Prints JSON {status, output} (output
# one char per byte, everything the terminal showed).
import json, os, pty, re, select, sys, time

cfg = json.loads(sys.argv[1])
deadline = time.time() + cfg.get("timeout", 30)


def child():
    os.chdir(cfg["cwd"])
    if cfg.get("stdin") is not None:
        fd = os.open(cfg["stdin"], os.O_RDONLY)
        os.dup2(fd, 0)
        os.close(fd)
    os.execvpe(cfg["argv"][0], cfg["argv"], cfg["env"])


if cfg.get("session", "controlling") == "controlling":
    pid, master = pty.fork()
    if pid == 0:
        child()
else:
    master, slave = os.openpty()
    pid = os.fork()
    if pid == 0:
        os.close(master)
        # A new session has no controlling terminal; descriptors inherited do not give it one.
        os.setsid()
        os.dup2(slave, 1)
        os.dup2(slave, 2)
        os.close(slave)
        child()
    os.close(slave)

output = b""
seen = 0  # where the next step's prompt is looked for
steps = list(cfg.get("steps", []))
while True:
    if time.time() > deadline:
        os.kill(pid, 9)
        break
    ready, _, _ = select.select([master], [], [], 0.1)
    if ready:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            chunk = b""
        if not chunk:
            break
        output += chunk
    match = steps and re.compile(steps[0]["expect"].encode("latin-1")).search(output, seen)
    if match:
        seen = match.end()
        # Typed a little after the prompt, as a person would: the program has set the mode by then.
        time.sleep(0.2)
        os.write(master, steps.pop(0)["send"].encode("latin-1"))

_, status = os.waitpid(pid, 0)
code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
print(json.dumps({"status": code, "output": output.decode("latin-1"), "unsent": len(steps)}))
