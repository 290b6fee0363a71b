import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { commitIntroducing, type QuarantineScan, type SkippedBlob, scanHistory, scanQuarantine, type TokenCandidate } from '../../git/token-scanner.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../auth/actor.js';
import type { TokenNotices } from '../notifications/token-notices.js';
import type { Repo } from '../repos/repo-store.js';
import { redactToken } from '../tokens/token-format.js';
import type { TokenService } from '../tokens/token-service.js';

const ZERO_SHA = /^0+$/;

export interface PushCheck {
  repo: Repo;
  repoDir: string;
  pusher: Caller;
  /** The ref updates git is about to make. */
  updates: { oldSha: string; newSha: string; ref: string }[];
  /** The hook's quarantine variables: without them git cannot see the pushed objects. */
  quarantineEnv: Record<string, string | undefined>;
  /** A scan of exactly the quarantine's objects, started before the hook asked (`scanQuarantine`). */
  scan?: Promise<QuarantineScan>;
  /** Settles once the push has ended (its answer is complete): work that no verdict needs waits for it. */
  ended: Promise<unknown>;
}

export interface PushVerdict {
  blocked: boolean;
  /** Lines for git to show the pusher as `remote:` lines. */
  lines: string[];
}

export interface LeakServiceDeps {
  db: Kysely<Database>;
  tokens: TokenService;
  audit: AuditLog;
  notices: TokenNotices;
  baseUrl: () => string;
  maxBlobBytes: number;
  warn: (message: string, data: Record<string, unknown>) => void;
}

/**
 * Leaked tokens: push protection (a live token in the new blobs of a push blocks it) and revocation
 * of live tokens found when a repository becomes public. A token is live only if it has the format,
 * the checksum and a digest in the database: dead tokens never raise an alarm.
 */
export function createLeakService(deps: LeakServiceDeps) {
  const { db, tokens, audit, notices } = deps;

  async function liveTokensIn(candidates: TokenCandidate[]) {
    const seen = new Map<string, TokenCandidate>();
    for (const candidate of candidates) if (!seen.has(candidate.token)) seen.set(candidate.token, candidate);
    const live = [];
    for (const candidate of seen.values()) {
      const resolved = await tokens.resolve(candidate.token);
      if (resolved.status === 'live') live.push({ candidate, token: resolved.token, owner: resolved.user });
    }
    return live;
  }

  const quarantineScan = (repoDir: string, quarantineEnv: Record<string, string | undefined>): Promise<QuarantineScan> =>
    scanQuarantine({ repoDir, quarantineEnv, maxBlobBytes: deps.maxBlobBytes });

  const skipWarner = (repo: Repo) => (blob: SkippedBlob) =>
    deps.warn('secret scanning skipped a blob larger than GITGATE_SCAN_MAX_BLOB_BYTES', { repo: repo.fullName, blob: blob.sha, path: blob.path, size: blob.size, limit: deps.maxBlobBytes });

  return {
    /** Scans the objects in a push's quarantine: what it adds. Needs nothing from the hook but the variables. */
    scanQuarantine: quarantineScan,

    /** Scans only the objects the push adds (those in its quarantine, which no existing ref reaches). */
    async checkPush(check: PushCheck): Promise<PushVerdict> {
      const tips = check.updates.map((u) => u.newSha).filter((sha) => !ZERO_SHA.test(sha));
      if (tips.length === 0) return { blocked: false, lines: [] };
      const revs = [...tips, '--not', '--all'];
      const scan = await (check.scan ?? quarantineScan(check.repoDir, check.quarantineEnv));
      // Logged once the walk that finds their paths ends, after the push: no verdict waits for it.
      const warnSkipped = skipWarner(check.repo);
      scan
        .skipped(check.ended)
        .then((blobs) => {
          for (const blob of blobs) warnSkipped(blob);
        })
        .catch(() => {});
      const live = await liveTokensIn(scan.candidates);
      if (live.length === 0) return { blocked: false, lines: [] };

      const pusherId = check.pusher.kind === 'user' ? check.pusher.user.id : null;
      const lines = ['', 'Push refused: it contains a live Gitgate personal access token.', ''];
      for (const { candidate, token, owner } of live) {
        const commit = await commitIntroducing(check.repoDir, candidate.blob, revs, check.quarantineEnv);
        const whose = owner.id === pusherId ? `your token "${token.note}"` : "another user's token";
        lines.push(`  commit ${commit ?? '(unknown)'}`, `  path   ${candidate.path}:${candidate.line}`, `  token  ${redactToken(token.last_four)} (${whose})`, '');
        if (owner.id !== pusherId) {
          await audit.record(db, {
            action: 'token.leak_blocked',
            actor: check.pusher.kind === 'user' ? { id: check.pusher.user.id, login: check.pusher.user.login } : null,
            user: { id: owner.id, login: owner.login },
            repoId: check.repo.id,
            tokenId: token.id,
            data: { repository: check.repo.fullName, commit, path: candidate.path, line: candidate.line, token_last_four: token.last_four },
          });
          notices.tokenExposed(owner, token.note, token.last_four, `a push to ${check.repo.fullName}`, false).catch(() => {});
        }
      }
      lines.push(
        'To push, either revoke the token (it will then be harmless) at',
        `  ${deps.baseUrl()}/settings/tokens`,
        'or remove it from your commits (git commit --amend, or git rebase -i) and push again.',
        '',
      );
      return { blocked: true, lines };
    },

    /** `POST /credentials/revoke`: whoever holds a leaked token may revoke it; its owner is told. */
    async revokeReported(secret: string): Promise<void> {
      const resolved = await tokens.resolve(secret);
      if (resolved.status !== 'live' && resolved.status !== 'expired') return;
      const info = await tokens.revokeBySecret(secret, 'exposed', { source: 'credentials_revoke_api' });
      if (info) notices.tokenExposed(resolved.user, info.note, info.lastFour, 'a revocation request (POST /credentials/revoke)', true).catch(() => {});
    },

    /** Scans a repository's whole history and revokes every live token in it; returns how many. */
    async revokeExposedTokens(repo: Repo, repoDir: string): Promise<number> {
      const candidates = await scanHistory({ repoDir, maxBlobBytes: deps.maxBlobBytes, onSkippedBlob: skipWarner(repo) });
      const live = await liveTokensIn(candidates);
      for (const { candidate, owner } of live) {
        const commit = await commitIntroducing(repoDir, candidate.blob, ['--all']);
        const info = await tokens.revokeBySecret(candidate.token, 'exposed', { repository: repo.fullName, commit, path: candidate.path, line: candidate.line });
        if (info) notices.tokenExposed(owner, info.note, info.lastFour, `the public repository ${repo.fullName}`, true).catch(() => {});
      }
      return live.length;
    },
  };
}

export type LeakService = ReturnType<typeof createLeakService>;
