/**
 * The runner's say over agents: the named grants they add, list and revoke (each change in the
 * audit log), and the audit log itself, with the latest counted uses written first.
 */
import type { Clock } from '../ports.js';
import type { AuditEntry, AuditRepo } from '../store/repos.js';
import type { AgentGrants, GrantInfo } from './grants.js';
import type { UsageRecorder } from './usage-recorder.js';

export interface GrantsServiceDeps {
  readonly grants: AgentGrants;
  readonly usage: UsageRecorder;
  readonly audit: AuditRepo;
  readonly profileId: string;
  readonly clock: Clock;
}

export interface GrantsService {
  add(name: string): { secret: string; grant: GrantInfo };
  list(): GrantInfo[];
  revoke(name: string): boolean;
  auditLog(limit?: number): AuditEntry[];
}

export function createGrantsService(deps: GrantsServiceDeps): GrantsService {
  const { grants, usage, audit, profileId, clock } = deps;
  return {
    add(name) {
      const created = grants.create(name, 'named', clock.now());
      audit.append(profileId, clock.now(), 'agent.grant_created', { grant: name });
      return created;
    },
    list() {
      usage.flush();
      return grants.list();
    },
    revoke(name) {
      const revoked = grants.revoke(name, clock.now());
      if (revoked) audit.append(profileId, clock.now(), 'agent.grant_revoked', { grant: name });
      return revoked;
    },
    auditLog(limit) {
      usage.flush();
      return audit.list(limit);
    },
  };
}
