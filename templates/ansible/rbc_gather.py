#!/usr/bin/env python3
"""rbc: keeps what the hosts printed, on the control machine (called by site.yml and rollback.yml).

  rbc_gather.py write RUN_DIR LABEL   stdin: {"host": "what its raw task printed", ...}
      appends each host's output to RUN_DIR/<host>/output.txt and writes RUN_DIR/<host>/journal,
      RUN_DIR/<host>/last.log and RUN_DIR/<host>/recap (its last RECAP line)
  rbc_gather.py recap RUN_DIR         one line per host: its last RECAP line
"""
import json
import os
import sys
import tempfile

MARK_JOURNAL = "\n@@rbc-journal@@\n"
MARK_LOG = "\n@@rbc-log@@\n"


def put(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".rbc-")
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def safe(host):
    return host and "/" not in host and host not in (".", "..") and "\0" not in host


def write(run_dir, label):
    data = json.load(sys.stdin)
    for host, out in sorted(data.items()):
        if not safe(host) or not out:
            continue
        d = os.path.join(run_dir, host)
        os.makedirs(d, exist_ok=True)
        shown, found, rest = out.partition(MARK_JOURNAL)
        with open(os.path.join(d, "output.txt"), "a", encoding="utf-8", errors="replace") as f:
            f.write("==== %s ====\n%s\n" % (label, shown.rstrip("\n")))
        if found:
            journal, _, log = rest.partition(MARK_LOG)
            put(os.path.join(d, "journal"), journal)
            put(os.path.join(d, "last.log"), log)
        recaps = [line for line in shown.splitlines() if line.startswith("RECAP ")]
        if recaps:
            put(os.path.join(d, "recap"), recaps[-1] + "\n")


def recap(run_dir):
    if not os.path.isdir(run_dir):
        print("no host reported in %s" % run_dir)
        return
    for host in sorted(os.listdir(run_dir)):
        p = os.path.join(run_dir, host, "recap")
        if os.path.isfile(p):
            with open(p, encoding="utf-8", errors="replace") as f:
                print(f.read().strip())


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "recap":
        recap(sys.argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
