#!/usr/bin/env python3
"""Runs a command as the foreground job of a new pseudo-terminal.

    ptyrun.py TRANSCRIPT [--when REGEX --send TEXT]... [--timeout S]
              [--winsize ROWSxCOLS] [--leader] -- CMD...

A session leader (the stand-in for a user's shell) is made on the pty's
slave, which is its controlling terminal and descriptors 0-2; it runs CMD
in a process group of its own, made the terminal's foreground group, as
an interactive shell runs a job, and waits for it.  Everything written to
the terminal is appended to TRANSCRIPT as it comes.  Each --when/--send
pair writes TEXT (Python escapes: \\n a newline, \\x1a a ^Z) to the terminal
once REGEX first matches the transcript, in order.  Exits with CMD's status (128+N when
killed by signal N), 124 when the timeout (default 60 s) ran out (the job
is killed).  The window size is 24x80 unless --winsize says otherwise.
With --leader, CMD is the session leader itself (as under script(1)), not
a job of it."""
import os, re, select, signal, sys, termios, time, fcntl, struct

def main():
    args = sys.argv[1:]
    if '--' not in args or not args:
        sys.stderr.write(__doc__)
        return 2
    cmd = args[args.index('--') + 1:]
    opts = args[:args.index('--')]
    transcript = opts.pop(0)
    rules, timeout, rows, cols, leader_cmd = [], 60.0, 24, 80, False
    while opts:
        o = opts.pop(0)
        if o == '--when':
            rules.append([re.compile(opts.pop(0)), None])
        elif o == '--send':
            rules[-1][1] = opts.pop(0).encode().decode('unicode_escape').encode('latin-1')
        elif o == '--leader':
            leader_cmd = True
        elif o == '--winsize':
            rows, cols = (int(v) for v in opts.pop(0).split('x'))
        elif o == '--timeout':
            timeout = float(opts.pop(0))
        else:
            sys.stderr.write('ptyrun.py: unknown option %s\n' % o)
            return 2
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    leader = os.fork()
    if leader == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        if leader_cmd:
            try:
                os.execvp(cmd[0], cmd)
            finally:
                os._exit(127)
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        job = os.fork()
        if job == 0:
            os.setpgid(0, 0)
            signal.signal(signal.SIGTTOU, signal.SIG_DFL)
            try:
                os.execvp(cmd[0], cmd)
            finally:
                os._exit(127)
        os.setpgid(job, job)
        os.tcsetpgrp(0, job)
        _, status = os.waitpid(job, 0)
        os.tcsetpgrp(0, os.getpgrp())
        os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
    os.close(slave)
    seen = b''
    deadline = time.monotonic() + timeout
    code = None
    with open(transcript, 'ab', buffering=0) as out:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                # The session's controlling process dies: the kernel
                # hangs the terminal up and its foreground job gets SIGHUP.
                os.kill(leader, signal.SIGKILL)
                code = 124
                break
            r, _, _ = select.select([master], [], [], min(left, 0.2))
            if r:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    data = b''
                if not data:
                    break
                out.write(data)
                seen += data
            while rules and rules[0][0].search(seen.decode('utf-8', 'replace')):
                os.write(master, rules.pop(0)[1] or b'')
            pid, status = os.waitpid(leader, os.WNOHANG)
            if pid == leader:
                code = os.waitstatus_to_exitcode(status)
                leader = None
                # Drain what is left, then stop.
                while select.select([master], [], [], 0.1)[0]:
                    try:
                        data = os.read(master, 4096)
                    except OSError:
                        break
                    if not data:
                        break
                    out.write(data)
                break
    if leader:
        _, status = os.waitpid(leader, 0)
        if code is None:
            code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code

if __name__ == '__main__':
    sys.exit(main())
