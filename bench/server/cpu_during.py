#!/usr/bin/env python3
"""CPU each process used over a window, from /proc (Linux), in cores.

    cpu_during.py snap FILE          record every process's CPU ticks and the machine's
    cpu_during.py diff BEFORE AFTER  print the machine's idle share and the busiest processes

decisions_wrk.sh runs it around wrk when CPU=1: how much of the two cores the server, the
database and wrk took while the decisions ran.
"""
import collections
import json
import os
import sys


def snap():
    ticks = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            stat = open(f'/proc/{pid}/stat').read()
        except OSError:
            continue  # gone meanwhile
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat[stat.rindex(')') + 2:].split()
        ticks[f'{pid} {name}'] = int(fields[11]) + int(fields[12])  # utime + stime
    machine = [int(x) for x in open('/proc/stat').readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: steal is what the
    # hypervisor gave to other guests, on a shared machine the usual noise.
    steal = machine[7] if len(machine) > 7 else 0
    return {'processes': ticks, 'total': sum(machine), 'idle': machine[3] + machine[4], 'steal': steal}


def diff(before, after):
    total = after['total'] - before['total']
    stolen = after.get('steal', 0) - before.get('steal', 0)
    print(f"  machine idle {100 * (after['idle'] - before['idle']) / total:.1f} %, stolen by the host {100 * stolen / total:.1f} %")
    per_core = total / os.cpu_count()
    # By pid: a kernel worker renames itself after the work it runs
    # (kworker/u8:2-events_unbound, then -writeback), and keyed by its name
    # as well it would count its whole life as used in the window.
    before_by_pid = {key.split(' ', 1)[0]: value for key, value in before['processes'].items()}
    by_name = collections.Counter()
    for key, value in after['processes'].items():
        pid, name = key.split(' ', 1)
        by_name[name] += value - before_by_pid.get(pid, 0)
    for name, used in by_name.most_common(6):
        if used > 0:
            print(f"  {name:24s} {used / per_core:.2f} cores")


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'snap':
        json.dump(snap(), open(sys.argv[2], 'w'))
    elif len(sys.argv) == 4 and sys.argv[1] == 'diff':
        diff(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])))
    else:
        sys.exit(__doc__)
