#!/usr/bin/env python3
"""imgedit: one named edit of a ckptdump --json --pages document, for the
tests that show ckptcheck judges logically broken images without trusting
their digests (the edited document goes back through ckptencode, then
through redigest).

    imgedit.py EDIT <in.json >out.json
    imgedit.py --list

Edits address records by type (and follower role), never by index, so
they apply to any image with those records."""
import json
import sys


def recs(d, t, role=None):
    return [r for r in d["records"] if r["type"] == t and (role is None or r.get("role") == role)]


def f(d, t, n=0, role=None):
    return recs(d, t, role)[n]["fields"]


def hexadd(s, k):
    return "0x%016x" % ((int(s, 16) + k) % (1 << 64))


def objref_of(d, t, n=0):
    """The objref the OBJREF before the n-th record of type t defines."""
    r = d["records"]
    i = r.index(recs(d, t)[n])
    return r[i - 1]["fields"]["objref"]


def set_text(d, t, role, text, n=0):
    """A follower's text and its record length (frame, text, NUL)."""
    r = recs(d, t, role)[n]
    r["fields"]["text"] = text
    r["length"] = 8 + len(text) + 1


def pipe_end(d, peers=None):
    """The task's open file (fd 0) made a pipe write end; with peers, an
    EXT_PEERS record after its name says who outside holds the pipe."""
    fl = f(d, "FILE", 1)
    fl["f_type"] = "PIPE"
    fl["f_mode"] = ["FMODE_WRITE"]
    fl["f_flags"] = ["O_WRONLY"]
    fl["f_pos"] = 0
    set_text(d, "FILE_NAME", "path", "pipe:[4242]", 1)
    if peers is not None:
        r = d["records"]
        i = r.index(recs(d, "FILE_NAME", "path")[1])
        rec = {"type": "EXT_PEERS", "type_id": 20045, "length": 40, "fields": {"objref": objref_of(d, "FILE", 1), "flags": [],
               "ino": 4242, "outside_readers": peers, "outside_writers": 0, "scanned": 100,
               "peer_ino": 0}}
        r.insert(i + 1, rec)


EDITS = {
    "none": lambda d: None,
    "no-mm": lambda d: f(d, "TASK_OBJS").update(mm_objref=0),
    "no-files": lambda d: f(d, "TASK_OBJS").update(files_objref=0),
    "no-signal": lambda d: f(d, "TASK_OBJS").update(signal_objref=0),
    "no-ecred": lambda d: f(d, "TASK_CREDS").update(ecred_ref=0),
    "no-ns": lambda d: f(d, "TASK_NS").update(ns_objref=0),
    "userns-self": lambda d: f(d, "USER_NS").update(creator_ref=objref_of(d, "USER_NS")),
    "pid-zero": lambda d: f(d, "BUFFER", 0, "pids")["pids"][0].update(nr=[0]),
    "file-vma-no-file": lambda d: recs_vma(d, "FILE").update(vma_objref=0),
    "anon-vma-file": lambda d: recs_vma(d, "ANON").update(vma_objref=objref_of(d, "FILE")),
    "pgoff-overflow": lambda d: recs_vma(d, "FILE").update(vm_pgoff="0x00ffffffffffffff"),
    "brk-below": lambda d: f(d, "MM").update(brk=hexadd(f(d, "MM")["start_brk"], -0x1000)),
    "stack-outside": lambda d: f(d, "MM").update(start_stack="0x0000000000000010"),
    "no-exe": lambda d: f(d, "MM").update(exe_objref=0),
    "ip-outside": lambda d: f(d, "CPU").update(ip="0x0000000000000010"),
    "ip-kernel": lambda d: f(d, "CPU").update(ip="0xffffffff81000000"),
    "sp-outside": lambda d: f(d, "CPU").update(sp="0x0000000000001000"),
    "euid-minus-one": lambda d: f(d, "CRED").update(euid=4294967295),
    "cap-past-last": lambda d: f(d, "CRED")["cap_bset"].append("0x8000000000000000"),
    "groups-unsorted": lambda d: f(d, "GROUPINFO").update(groups=list(reversed(f(d, "GROUPINFO")["groups"]))),
    "groups-repeated": lambda d: f(d, "GROUPINFO").update(groups=[f(d, "GROUPINFO")["groups"][0]] * 2),
    "path-nul": lambda d: set_text(d, "FILE_NAME", "path", "/sbin\\x00/init"),
    "root-empty": lambda d: set_text(d, "FILE_NAME", "root", ""),
    "exit-signal": lambda d: f(d, "TASK").update(exit_signal=99),
    "producer-pid": lambda d: f(d, "EXT_PRODUCER").update(root_pid=0),
    "pipe-end": lambda d: pipe_end(d),
    "pipe-reader-outside": lambda d: pipe_end(d, 1),
    "pipe-no-reader-outside": lambda d: pipe_end(d, 0),
}


def recs_vma(d, kind):
    return [r["fields"] for r in recs(d, "VMA") if r["fields"]["vma_type"] == kind][0]


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(EDITS))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in EDITS:
        sys.stderr.write("usage: imgedit.py EDIT <in.json >out.json (--list)\n")
        return 2
    d = json.load(sys.stdin)
    EDITS[sys.argv[1]](d)
    json.dump(d, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
