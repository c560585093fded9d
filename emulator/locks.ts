/** Per-resource write locks: Slack refuses a second write while one is still applied [spec §8]. */
export class LockTable {
  private readonly held = new Set<string>();

  /** A release function, or undefined when the resource is already locked. */
  tryAcquire(key: string): (() => void) | undefined {
    if (this.held.has(key)) return undefined;
    this.held.add(key);
    return () => this.held.delete(key);
  }
}
