import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEntry, EVENT_LABELS } from '../../src-renderer/stores/activity-store';
import { ROOT } from '../support/harness.js';

/** Every audit event the core writes: `audit.append(…, 'event', …)` and the counted events of the usage recorder. */
function auditEventsInCore(): string[] {
  const events = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/audit\.append\(.*?'([a-z_]+\.[a-z_]+)'/g)) events.add(m[1]!);
        // A service's own helper around audit.append (workouts/workout-service.ts `note`).
        for (const m of text.matchAll(/\bnote\('([a-z_]+\.[a-z_]+)'/g)) events.add(m[1]!);
        for (const m of text.matchAll(/\? '([a-z_]+\.[a-z_]+)' : '([a-z_]+\.[a-z_]+)'/g)) {
          events.add(m[1]!);
          events.add(m[2]!);
        }
        const counted = /type CountedEvent = ([^;]+);/.exec(text)?.[1];
        for (const m of counted?.matchAll(/'([a-z_]+\.[a-z_]+)'/g) ?? []) events.add(m[1]!);
      }
    }
  };
  walk(path.join(ROOT, 'src-main/core'));
  return [...events].sort();
}

/** A raw code in a line: `mcp.tool_called`, `list_activities`, `sign_in_timeout`. */
const RAW_CODE = /\b[a-z]+[._][a-z_.]+\b/;

describe('the Activity panel’s words', () => {
  it('has words for every event the core writes to the audit log', () => {
    const events = auditEventsInCore();
    expect(events).toEqual(expect.arrayContaining(['mcp.tool_called', 'agent.token_issued', 'agent.request_refused', 'sign_in.succeeded', 'agent.paused', 'workout.proposed', 'workout.scheduled']));
    expect(events.filter((event) => !(event in EVENT_LABELS))).toEqual([]);
  });

  it('describes an MCP tool call, a refusal and a failure in words, never a raw code', () => {
    const lines = [
      describeEntry({ id: 1, at: '', event: 'mcp.tool_called', detail: { tool: 'list_activities', client: 'Claude Desktop', grant: 'runner', transport: 'stdio', count: 3, errors: 1 } }),
      describeEntry({ id: 2, at: '', event: 'mcp.tool_called', detail: { tool: 'get_activity_details', client: 'unknown', grant: 'coach-gpt', transport: 'http', count: 1, errors: 0 } }),
      describeEntry({ id: 3, at: '', event: 'agent.request_refused', detail: { reason: 'forbidden_origin', path: '/v1/token', count: 12 } }),
      describeEntry({ id: 4, at: '', event: 'agent.request_refused', detail: { reason: 'some_new_reason', count: 1 } }),
      describeEntry({ id: 5, at: '', event: 'sign_in.failed', detail: { code: 'garmin_unreachable' } }),
      describeEntry({ id: 6, at: '', event: 'some.future_event', detail: {} }),
    ];
    expect(lines[0]).toEqual({ label: 'Your data read over MCP', detail: 'activities · by Claude Desktop · through the MCP server on this computer · 3 times · 1 failed' });
    expect(lines[1]).toEqual({ label: 'Your data read over MCP', detail: 'an activity in detail · agent coach-gpt' });
    expect(lines[2]).toEqual({ label: 'Refused an agent request', detail: 'sent from a web page · asking /v1/token · 12 times' });
    expect(lines[5]!.label).toBe('Some future event');
    for (const { label, detail } of lines) expect(`${label} ${detail}`.replace('/v1/token', '')).not.toMatch(RAW_CODE);
  });
});

describe('the Activity panel’s words for workouts', () => {
  it('says which workout, which agent proposed it and where the runner decided, never a raw code', () => {
    const approved = describeEntry({ id: 1, at: '', event: 'workout.approved', detail: { workout: 'w_Ab12Cd34Ef56Gh78', name: 'Tuesday 6 × 800 m', agent: 'coach-gpt', grant: 'coach', via: 'cli' } });
    expect(approved).toEqual({ label: 'You approved a workout', detail: '“Tuesday 6 × 800 m” · proposed by coach-gpt · agent coach · at the terminal' });
    const refused = describeEntry({ id: 2, at: '', event: 'agent.request_refused', detail: { reason: 'runner_only', grant: 'coach', path: '/v1/workouts/w_Ab12Cd34Ef56Gh78/approve', count: 2 } });
    expect(refused.detail).toContain('only you may approve or reject a workout');
    const failed = describeEntry({ id: 3, at: '', event: 'workout.delivery_failed', detail: { name: 'Tempo', agent: 'coach-gpt', grant: 'runner', stage: 'create', code: 'workout_import_missing' } });
    expect(failed).toEqual({ label: 'Sending a workout to Garmin failed', detail: '“Tempo” · proposed by coach-gpt · through the MCP server on this computer · Garmin does not let R42 add workouts' });
  });
});
