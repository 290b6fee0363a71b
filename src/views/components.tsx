import type { ComponentChildren } from 'preact';
import type { FieldProblem } from '../lib/errors.js';
import { identiconDataUri } from './identicon.js';

export function CsrfField({ csrf }: { csrf: string }) {
  return <input type="hidden" name="_csrf" value={csrf} />;
}

export function Avatar({ login, size = 20 }: { login: string; size?: number }) {
  return <img class={`avatar avatar-user avatar-${size > 32 ? 8 : size > 20 ? 5 : 4}`} src={identiconDataUri(login)} alt={`@${login}`} width={size} height={size} />;
}

/** Field problems keyed by field name, so each message sits next to its input. */
export type Problems = Record<string, string>;

export function problemsOf(fields: FieldProblem[]): Problems {
  const out: Problems = {};
  for (const f of fields) out[f.field] ??= f.message;
  return out;
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p class="field-error color-fg-danger f6 mt-1" id={id} role="alert">
      {message}
    </p>
  );
}

export function Flash({ kind = 'default', children }: { kind?: 'default' | 'warn' | 'error' | 'success'; children: ComponentChildren }) {
  return (
    <div class={`flash mb-3${kind === 'default' ? '' : ` flash-${kind}`}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** The page's heading (Primer's Subhead); children are the buttons on its right. */
export function PageHeading({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="Subhead">
      <h1 class="Subhead-heading">{title}</h1>
      {children ? <div class="Subhead-actions">{children}</div> : null}
    </div>
  );
}

export function TextField(props: {
  name: string;
  label: string;
  value?: string | null;
  type?: string;
  error?: string;
  required?: boolean;
  autocomplete?: string;
  placeholder?: string;
  note?: string;
  autofocus?: boolean;
}) {
  const id = `field-${props.name}`;
  return (
    <div class={`form-group${props.error ? ' errored' : ''}`}>
      <div class="form-group-header">
        <label for={id}>{props.label}</label>
      </div>
      <div class="form-group-body">
        <input
          class="form-control input-block"
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          value={props.value ?? ''}
          required={props.required}
          autocomplete={props.autocomplete}
          placeholder={props.placeholder}
          autofocus={props.autofocus}
          aria-describedby={props.error ? `${id}-error` : undefined}
        />
      </div>
      {props.note ? <p class="note">{props.note}</p> : null}
      <FieldError id={`${id}-error`} message={props.error} />
    </div>
  );
}

export function SideNav({ items, current, label }: { items: { href: string; label: string }[]; current: string; label: string }) {
  return (
    <nav class="menu" aria-label={label}>
      {items.map((item) => (
        <a class="menu-item" href={item.href} aria-current={item.href === current ? 'page' : undefined}>
          {item.label}
        </a>
      ))}
    </nav>
  );
}

export const SETTINGS_NAV = [
  { href: '/settings/profile', label: 'Public profile' },
  { href: '/settings/password', label: 'Password and authentication' },
  { href: '/settings/security-log', label: 'Security log' },
  { href: '/settings/organizations', label: 'Organizations' },
  { href: '/settings/notifications', label: 'Notifications' },
  { href: '/settings/apps', label: 'Developer settings' },
];

export const DEVELOPER_NAV = [{ href: '/settings/tokens', label: 'Personal access tokens' }];
