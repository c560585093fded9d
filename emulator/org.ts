/** Everything one emulated Slack org holds: data, rate-limit buckets, faults, locks and stats. */
import { Faults } from './faults';
import { GroupService } from './groups-service';
import { LockTable } from './locks';
import { RateLimiter, type RateLimitSetting } from './rate-limit';
import { Stats } from './stats';
import { Store } from './store';
import { UserService } from './users-service';

export class EmulatedOrg {
  readonly store = new Store();
  readonly users = new UserService(this.store);
  readonly groups = new GroupService(this.store);
  readonly limiter: RateLimiter;
  readonly faults = new Faults();
  readonly locks = new LockTable();
  readonly stats = new Stats();

  constructor(readonly token: string, rateLimits: RateLimitSetting) {
    this.limiter = new RateLimiter(rateLimits);
  }

  /** Back to an empty org on the default plan; the token and the rate-limit setting stay (the buckets refill). */
  reset(): void {
    this.store.reset();
    this.stats.reset();
    this.faults.clear();
    this.limiter.reset();
  }
}
