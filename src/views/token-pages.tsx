import './custom-elements.js';
import type { ComponentChildren } from 'preact';
import { SCOPES } from '../domain/tokens/scopes.js';
import type { TokenInfo } from '../domain/tokens/token-store.js';
import { DAY } from '../lib/clock.js';
import { CsrfField, FieldError, Flash, PageHeading, type Problems } from './components.js';
import { DeveloperLayout } from './developer-layout.js';
import { expiryText, formatDate, formatDateTime, recencyText } from './format.js';
import type { PageContext } from './page-context.js';

export type ExpirationValue = '7' | '30' | '60' | '90' | 'custom' | 'never';

export const EXPIRATION_OPTIONS: { value: ExpirationValue; label: string }[] = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '60', label: '60 days' },
  { value: '90', label: '90 days' },
  { value: 'custom', label: 'Custom...' },
  { value: 'never', label: 'No expiration' },
];

export interface TokenFormValues {
  note: string;
  expiration: ExpirationValue;
  customDate: string;
  scopes: string[];
}

function depthOf(name: string): number {
  let depth = 0;
  let parent = SCOPES.find((s) => s.name === name)?.parent ?? null;
  while (parent) {
    depth++;
    parent = SCOPES.find((s) => s.name === parent)?.parent ?? null;
  }
  return depth;
}

function ancestorsChecked(name: string, checked: Set<string>): boolean {
  let parent = SCOPES.find((s) => s.name === name)?.parent ?? null;
  while (parent) {
    if (checked.has(parent)) return true;
    parent = SCOPES.find((s) => s.name === parent)?.parent ?? null;
  }
  return false;
}

function expiryHelp(values: { expiration: ExpirationValue; customDate: string }, now: Date): string {
  if (values.expiration === 'never') return 'The token will never expire!';
  if (values.expiration === 'custom') return values.customDate ? `The token will expire on ${formatDate(`${values.customDate}T12:00:00Z`)}` : 'Choose the date the token will expire on.';
  return `The token will expire on ${formatDate(new Date(now.getTime() + Number(values.expiration) * DAY))}`;
}

/** The Expiration select, the custom date and the help text; the plain-JS enhancement keeps them in step. */
export function ExpirationField({ values, now, error }: { values: { expiration: ExpirationValue; customDate: string }; now: Date; error?: string }) {
  const tomorrow = new Date(now.getTime() + DAY).toISOString().slice(0, 10);
  return (
    <div class={`form-group${error ? ' errored' : ''}`} data-expiration-field data-now={now.toISOString()}>
      <div class="form-group-header">
        <label for="token-expiration">Expiration</label>
      </div>
      <div class="form-group-body d-flex flex-items-center flex-wrap">
        <select class="form-select mr-2" id="token-expiration" name="expiration" aria-describedby="expiration-help">
          {EXPIRATION_OPTIONS.map((o) => (
            <option value={o.value} selected={o.value === values.expiration}>
              {o.label}
            </option>
          ))}
        </select>
        {/* Visible without JavaScript; the script hides it unless "Custom..." is chosen. */}
        <span class="mr-2" data-custom-date>
          <label for="token-custom-date" class="sr-only">
            Custom date
          </label>
          <input class="form-control" type="date" id="token-custom-date" name="custom_date" value={values.customDate} min={tomorrow} />
        </span>
        <span class="note mt-0" id="expiration-help" data-expiration-help>
          {expiryHelp(values, now)}
        </span>
      </div>
      <div class="flash flash-warn mt-2" data-never-warning hidden={values.expiration !== 'never'}>
        Gitgate strongly recommends that you set an expiration date for your token to help keep your information secure.
      </div>
      <FieldError id="token-expiration-error" message={error} />
    </div>
  );
}

/** `gh auth login` refuses a token without both (issue 17): the form says so next to each. */
const GH_CLI_SCOPES = new Set(['repo', 'read:org']);

export function ScopesField({ scopes, error }: { scopes: string[]; error?: string }) {
  const checked = new Set(scopes);
  return (
    <fieldset class={`form-group${error ? ' errored' : ''}`}>
      <legend class="h4 mb-1">Select scopes</legend>
      <p class="note mb-2">
        Scopes define the access for personal tokens. <a href="/settings/tokens#scopes">Read more about scopes.</a>
      </p>
      <div class="Box" data-scopes>
        {SCOPES.map((scope) => {
          const implied = ancestorsChecked(scope.name, checked);
          const noteId = GH_CLI_SCOPES.has(scope.name) ? `scope-note-${scope.name.replace(':', '-')}` : undefined;
          return (
            <div class={`Box-row py-2 scope-depth-${depthOf(scope.name)}`}>
              <label class="d-block">
                <input
                  type="checkbox"
                  name="scopes"
                  value={scope.name}
                  checked={checked.has(scope.name) || implied}
                  disabled={implied}
                  data-scope={scope.name}
                  data-parent={scope.parent ?? undefined}
                  aria-describedby={noteId}
                />{' '}
                <strong>{scope.name}</strong> <span class="color-fg-muted">{scope.description}</span>
              </label>
              {/* Outside the label: the label stays "SCOPE DESCRIPTION"; the note is the checkbox's description. */}
              {noteId ? (
                <p class="note scope-note mb-0" id={noteId}>
                  A token for the GitHub CLI (<code>gh</code>) needs both <code>repo</code> and <code>read:org</code>.
                </p>
              ) : null}
            </div>
          );
        })}
      </div>
      <FieldError id="scopes-error" message={error} />
    </fieldset>
  );
}

function NoteField({ value, error }: { value: string; error?: string }) {
  return (
    <div class={`form-group${error ? ' errored' : ''}`}>
      <div class="form-group-header">
        <label for="token-note">Note</label>
      </div>
      <div class="form-group-body">
        <input
          class="form-control input-block"
          id="token-note"
          name="note"
          type="text"
          value={value}
          required
          maxlength={100}
          placeholder="What's this token for?"
          aria-describedby={error ? 'token-note-error' : 'token-note-help'}
        />
      </div>
      <p class="note" id="token-note-help">
        What's this token for?
      </p>
      <FieldError id="token-note-error" message={error} />
    </div>
  );
}

/** Asked inside the form when sudo mode ran out while the user was filling it in: nothing typed is lost. */
function SudoField({ error }: { error?: string }) {
  if (!error) return null;
  return (
    <div class="form-group errored Box p-3 color-bg-attention">
      <FieldError id="sudo-error" message={error} />
      <div class="form-group-header">
        <label for="sudo-password">Password</label>
      </div>
      <div class="form-group-body">
        <input class="form-control" id="sudo-password" name="sudo_password" type="password" autocomplete="current-password" required />
      </div>
    </div>
  );
}

export function NewTokenPage({ ctx, values, problems }: { ctx: PageContext; values: TokenFormValues; problems: Problems }) {
  return (
    <DeveloperLayout ctx={ctx} title="New personal access token" current="/settings/tokens">
      <PageHeading title="New personal access token" />
      <p class="mb-3">Personal access tokens function like ordinary OAuth access tokens. They can be used instead of a password for Git over HTTPS, or to authenticate to the API.</p>
      {problems.form ? <Flash kind="error">{problems.form}</Flash> : null}
      <form action="/settings/tokens" method="post" data-token-form>
        <CsrfField csrf={ctx.csrf} />
        <SudoField error={problems.sudo} />
        <NoteField value={values.note} error={problems.note} />
        <ExpirationField values={values} now={ctx.now} error={problems.expiration} />
        <ScopesField scopes={values.scopes} error={problems.scopes} />
        <button type="submit" class="btn btn-primary">
          Generate token
        </button>{' '}
        <a class="btn" href="/settings/tokens">
          Cancel
        </a>
      </form>
    </DeveloperLayout>
  );
}

/** A danger button that opens, without JavaScript, a box asking to confirm before the form is posted. */
function ConfirmDialog(props: { ctx: PageContext; summary: string; label: string; action: string; confirm: string; children: ComponentChildren }) {
  return (
    <details class="details-reset d-inline-block">
      {/* biome-ignore lint/a11y/useSemanticElements: a <summary> opens its <details> without JavaScript; role=button makes it announced as a button */}
      <summary class="btn btn-sm btn-danger" role="button">
        {props.summary}
      </summary>
      <div class="Box Box--overlay confirm-box p-3" role="dialog" aria-label={props.label}>
        <p>{props.children}</p>
        <form action={props.action} method="post">
          <CsrfField csrf={props.ctx.csrf} />
          <button type="submit" class="btn btn-danger btn-block">
            {props.confirm}
          </button>
        </form>
      </div>
    </details>
  );
}

function ConfirmDelete({ ctx, token }: { ctx: PageContext; token: TokenInfo }) {
  return (
    <ConfirmDialog ctx={ctx} summary="Delete" label={`Delete ${token.note}`} action={`/settings/tokens/${token.id}/delete`} confirm="I understand, delete this token">
      Are you sure you want to delete the token <strong>{token.note}</strong>? Any scripts or applications using it will no longer be able
      to access Gitgate. You cannot undo this action.
    </ConfirmDialog>
  );
}

function NewTokenNotice({ token }: { token: string }) {
  return (
    <div class="Box mb-3 color-bg-success" data-new-token>
      <div class="Box-row">
        <Flash kind="warn">Make sure to copy your personal access token now. You won't be able to see it again!</Flash>
        <div class="d-flex flex-items-center">
          <code id="new-token" class="f4 mr-2 new-token">
            {token}
          </code>
          <clipboard-copy for="new-token" aria-label="Copy token" class="btn btn-sm" role="button" tabindex={0} data-copy-feedback="Copied!">
            Copy
          </clipboard-copy>
        </div>
      </div>
    </div>
  );
}

export function TokenListPage({ ctx, tokens, newToken }: { ctx: PageContext; tokens: TokenInfo[]; newToken: { token: string; id: number } | null }) {
  return (
    <DeveloperLayout ctx={ctx} title="Personal access tokens" current="/settings/tokens">
      <PageHeading title="Personal access tokens">
        {/* A GET form: a real button that works without JavaScript. */}
        <form action="/settings/tokens/new" method="get" class="d-inline">
          <button type="submit" class="btn btn-sm">
            Generate new token
          </button>
        </form>{' '}
        {tokens.length > 0 ? (
          <ConfirmDialog ctx={ctx} summary="Revoke all" label="Revoke all personal access tokens" action="/settings/tokens/revoke-all" confirm="I understand, revoke all tokens">
            Are you sure you want to revoke all your personal access tokens? Every script and application using them will stop working.
          </ConfirmDialog>
        ) : null}
      </PageHeading>
      <p class="mb-3">Tokens you have generated that can be used to access Gitgate's Git and API endpoints.</p>
      {newToken ? <NewTokenNotice token={newToken.token} /> : null}
      {tokens.length === 0 ? (
        <div class="blankslate">
          <p>You have no personal access tokens.</p>
        </div>
      ) : (
        <ul class="Box list-style-none" aria-label="Tokens">
          {tokens.map((t) => {
            const expired = t.expiresAt !== null && new Date(t.expiresAt) <= ctx.now;
            const used = t.lastUsedAt ? `Last used ${formatDateTime(t.lastUsedAt)} from ${t.lastUsedIp ?? 'an unknown address'} with ${t.lastUsedUserAgent ?? 'an unknown client'}` : 'Never used';
            return (
              <li class="Box-row d-flex flex-items-start" data-token-id={t.id}>
                <div class="flex-auto">
                  <a class="text-bold" href={`/settings/tokens/${t.id}`}>
                    {t.note}
                  </a>{' '}
                  <span class="color-fg-muted">
                    — <em>{t.scopes.length > 0 ? t.scopes.join(', ') : 'no scopes'}</em>
                  </span>
                  <div class={`f6 ${expired ? 'color-fg-danger' : 'color-fg-muted'}`}>{expiryText(t.expiresAt, ctx.now)}.</div>
                  <div class="f6 color-fg-muted" title={used}>
                    {recencyText(t.lastUsedAt, ctx.now)}
                  </div>
                </div>
                <div class="flex-shrink-0">
                  <form action={`/settings/tokens/${t.id}/regenerate`} method="get" class="d-inline">
                    <button type="submit" class="btn btn-sm" aria-label={`Regenerate ${t.note}`}>
                      Regenerate
                    </button>
                  </form>{' '}
                  <ConfirmDelete ctx={ctx} token={t} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </DeveloperLayout>
  );
}

export function TokenPage({ ctx, token, values, problems }: { ctx: PageContext; token: TokenInfo; values: { note: string; scopes: string[] }; problems: Problems }) {
  return (
    <DeveloperLayout ctx={ctx} title={`Token ${token.note}`} current="/settings/tokens">
      <PageHeading title="Edit personal access token">
        <form action={`/settings/tokens/${token.id}/regenerate`} method="get" class="d-inline">
          <button type="submit" class="btn btn-sm">
            Regenerate token
          </button>
        </form>{' '}
        <ConfirmDelete ctx={ctx} token={token} />
      </PageHeading>
      <p class="mb-3">
        {expiryText(token.expiresAt, ctx.now)}. {recencyText(token.lastUsedAt, ctx.now)}
        {token.lastUsedAt ? ` (${formatDateTime(token.lastUsedAt)} from ${token.lastUsedIp ?? 'unknown address'}, ${token.lastUsedUserAgent ?? 'unknown client'})` : ''}. To
        change the expiration, regenerate the token.
      </p>
      <form action={`/settings/tokens/${token.id}`} method="post">
        <CsrfField csrf={ctx.csrf} />
        <SudoField error={problems.sudo} />
        <NoteField value={values.note} error={problems.note} />
        <ScopesField scopes={values.scopes} error={problems.scopes} />
        <button type="submit" class="btn btn-primary">
          Update token
        </button>
      </form>
    </DeveloperLayout>
  );
}

export function RegenerateTokenPage(props: {
  ctx: PageContext;
  token: TokenInfo;
  values: { expiration: ExpirationValue; customDate: string };
  problems: Problems;
}) {
  const { ctx, token, values, problems } = props;
  return (
    <DeveloperLayout ctx={ctx} title="Regenerate personal access token" current="/settings/tokens">
      <PageHeading title="Regenerate personal access token" />
      <p class="mb-3">
        Regenerating <strong>{token.note}</strong> makes a new token with the same scopes. The current token stops working at once: update any
        scripts or applications that use it.
      </p>
      <form action={`/settings/tokens/${token.id}/regenerate`} method="post">
        <CsrfField csrf={ctx.csrf} />
        <SudoField error={problems.sudo} />
        <ExpirationField values={values} now={ctx.now} error={problems.expiration} />
        <button type="submit" class="btn btn-primary">
          Regenerate token
        </button>{' '}
        <a class="btn" href={`/settings/tokens/${token.id}`}>
          Cancel
        </a>
      </form>
    </DeveloperLayout>
  );
}
