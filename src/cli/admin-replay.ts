/**
 * `opendip admin replay` and `opendip admin requeue`: an operator's replay and requeue on a participant's
 * behalf, with every option of the participant's own `opendip replay` / `opendip requeue` (cli/replay.ts) and
 * `--for <dipId>` (with `--role` to act in one of its roles) naming the participant. Signed with the operator's
 * certificate over /{version}/admin/...; the DIP audits and journals them as the operator's, for that participant.
 */
import type { Command } from 'commander';
import { registerReplayCommands, type Acting } from './replay.js';

const AS_OPERATOR: Acting = {
  option: (cmd) =>
    cmd
      .requiredOption('--for <dipId>', 'the participant to act for: the DIP answers what it would answer it')
      .option('--role <role>', 'act in this one role of the participant (default: all of its roles)'),
  target(o) {
    if (!o.for) throw new Error('give --for <dipId>: the participant to act for');
    const query = o.role === undefined ? '' : `?${new URLSearchParams({ role: o.role })}`;
    return { recipient: o.for, prefix: '/admin', query };
  },
};

export function registerAdminReplay(admin: Command): void {
  registerReplayCommands(admin, AS_OPERATOR, "on a participant's behalf: ");
}
