#!/usr/bin/env python3
"""A python3 interpreter with a thread, for the restorer.

    pycounter.py READY-FILE OUT-FILE

A threading.Thread counts every 20 ms in the interpreter's memory and
appends "COUNT\\n" to OUT-FILE; the main thread waits in join().  Ready
after 5 counts, with thread= the counting thread's tid.  A restored
interpreter goes on from the count it was frozen at.
"""
import os
import sys
import threading
import time


def main():
    # Descriptors inherited from the test harness are shared with
    # processes outside the image: a self-contained checkpoint has none.
    os.closerange(3, 1 << 16)
    ready, out = sys.argv[1], sys.argv[2]
    state = {"count": 0}

    def count():
        with open(out, "a", buffering=1) as f:
            while True:
                state["count"] += 1
                f.write("%d\n" % state["count"])
                time.sleep(0.02)

    counter = threading.Thread(target=count, name="counter", daemon=True)
    counter.start()
    while state["count"] < 5:
        time.sleep(0.01)
    with open(ready, "w") as r:
        r.write("pid=%d\nthread=%d\nready=1\n" % (os.getpid(), counter.native_id))
    counter.join()


if __name__ == "__main__":
    main()
