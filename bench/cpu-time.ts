/**
 * CPU time spent by a SIP server under load, so that `ime bench sip` can report CPU per call beside calls/s: on a
 * machine shared with the load generators (and anything else), calls/s depends on who gets the cores, while CPU
 * per call says what each server costs. Linux only (/proc).
 */
import { readdirSync, readFileSync } from 'node:fs'

/**
 * /proc counts CPU time in clock ticks of USER_HZ, which Linux fixes at 100 a second for user space on every
 * architecture it exports /proc to (what `getconf CLK_TCK` prints), whatever the kernel's own tick rate.
 */
const USER_HZ = 100

/** utime + stime of one /proc/PID/stat line, in ticks, with its process group. */
function statOf(pid: string): { pgrp: number; ticks: number } | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its ")".
    const fields = line.slice(line.lastIndexOf(')') + 2).split(' ')
    return { pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) }
  } catch {
    return undefined // gone meanwhile
  }
}

/** CPU milliseconds used so far by every live process of the process group `pgid` (Kamailio and its workers). */
export function processGroupCpuMs(pgid: number): number {
  let ticks = 0
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = statOf(name)
    if (stat?.pgrp === pgid) ticks += stat.ticks
  }
  return (ticks * 1000) / USER_HZ
}

/** CPU milliseconds used so far by this process (all its threads: the event loop and libuv's pool). */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}
