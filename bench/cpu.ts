/**
 * CPU time of the processes a benchmark runs, from /proc (Linux): seconds of user + system time. A process's
 * reaped children count too (PostgreSQL's backends end when their connection closes).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux this runs on

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may hold spaces: fields start after ")"
  } catch {
    return undefined; // gone
  }
}

/** utime + stime (+ cutime + cstime with `children`), in seconds. */
export function cpuSeconds(pid: number, children = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const own = Number(f[11]) + Number(f[12]);
  return (children ? own + Number(f[13]) + Number(f[14]) : own) / TICKS_PER_SECOND;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Processes whose command line satisfies `match`. */
export function findPids(match: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => match(commandLine(pid)));
}

/** The PostgreSQL server's CPU: the postmaster with its reaped backends, plus the live ones. */
export function postgresCpuSeconds(): number {
  const postmaster = (c: string) => /\/postgres -D /.test(c);
  const pids = findPids((c) => postmaster(c) || c.startsWith('postgres:'));
  return pids.reduce((sum, pid) => sum + cpuSeconds(pid, postmaster(commandLine(pid))), 0);
}

/** The Temporal dev server listening on this port. */
export function temporalPid(address: string): number | undefined {
  const port = address.split(':').at(-1);
  return findPids((c) => c.includes('server start-dev') && c.includes(`--port ${port}`))[0];
}
