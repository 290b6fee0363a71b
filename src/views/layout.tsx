import type { ComponentChildren } from 'preact';
import { Avatar, CsrfField, Flash, SETTINGS_NAV, SideNav } from './components.js';
import type { PageContext } from './page-context.js';
import { TokenExpiryBanner } from './token-expiry-banner.js';

function AccountMenu({ ctx }: { ctx: PageContext }) {
  const viewer = ctx.viewer!;
  // A <details> works without JavaScript; the summary carries role=button so it is announced as one.
  return (
    <details class="details-reset position-relative">
      {/* biome-ignore lint/a11y/useSemanticElements: a <summary> opens its <details> without JavaScript; role=button makes it announced as a button */}
      <summary class="Header-link" role="button" aria-label="View profile and more" aria-haspopup="menu">
        <Avatar login={viewer.login} size={20} />
        <span class="dropdown-caret ml-1" />
      </summary>
      <div class="dropdown-menu dropdown-menu-sw" role="menu">
        <div class="dropdown-header">
          Signed in as <strong>{viewer.login}</strong>
        </div>
        <div class="dropdown-divider" role="none" />
        <a class="dropdown-item" role="menuitem" href={`/${viewer.login}`}>
          Your profile
        </a>
        <a class="dropdown-item" role="menuitem" href={`/${viewer.login}?tab=repositories`}>
          Your repositories
        </a>
        <a class="dropdown-item" role="menuitem" href="/settings/profile">
          Settings
        </a>
        {viewer.siteAdmin ? (
          <a class="dropdown-item" role="menuitem" href="/admin">
            Site admin
          </a>
        ) : null}
        <div class="dropdown-divider" role="none" />
        <form action="/logout" method="post">
          <CsrfField csrf={ctx.csrf} />
          <button type="submit" class="dropdown-item btn-link" role="menuitem">
            Sign out
          </button>
        </form>
      </div>
    </details>
  );
}

export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren }) {
  return (
    <html lang="en" data-color-mode="light" data-light-theme="light">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Gitgate`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/-/assets/primitives/primitives.css" />
        <link rel="stylesheet" href="/-/assets/primitives/functional/themes/light.css" />
        <link rel="stylesheet" href="/-/assets/primer.css" />
        <link rel="stylesheet" href="/-/assets/gitgate.css" />
        <script type="module" src="/-/assets/vendor/clipboard-copy/bundle.js" />
        <script type="module" src="/-/assets/gitgate.js" />
      </head>
      <body>
        <header class="Header">
          <div class="Header-item">
            <a class="Header-link f4 d-flex flex-items-center" href="/">
              Gitgate
            </a>
          </div>
          <div class="Header-item Header-item--full" />
          {ctx.viewer ? (
            <>
              <div class="Header-item">
                <a class="Header-link" href="/new" aria-label="Create new repository">
                  + New
                </a>
              </div>
              <div class="Header-item mr-0">
                <AccountMenu ctx={ctx} />
              </div>
            </>
          ) : (
            <div class="Header-item">
              <a class="Header-link" href="/login">
                Sign in
              </a>
            </div>
          )}
        </header>
        <main class="container-lg px-3 py-4" id="main">
          {ctx.viewer ? <TokenExpiryBanner now={ctx.now} /> : null}
          {ctx.notice ? <Flash kind="success">{ctx.notice}</Flash> : null}
          {children}
        </main>
      </body>
    </html>
  );
}

/** A left sidebar menu beside the page body, as on GitHub's settings pages. */
export function WithSideNav(props: { items: { href: string; label: string }[]; current: string; label: string; children: ComponentChildren }) {
  return (
    <div class="d-md-flex gutter-md">
      <div class="col-md-3 mb-4">
        <SideNav items={props.items} current={props.current} label={props.label} />
      </div>
      <div class="col-md-9">{props.children}</div>
    </div>
  );
}

/** Settings pages: the left sidebar (Developer settings last) and the page body. */
export function SettingsLayout({ ctx, title, current, children }: { ctx: PageContext; title: string; current: string; children: ComponentChildren }) {
  return (
    <Layout ctx={ctx} title={title}>
      <WithSideNav items={SETTINGS_NAV} current={current} label="Settings">
        {children}
      </WithSideNav>
    </Layout>
  );
}

/** A small centred box, as GitHub's sign-in and confirm-access pages are. */
export function NarrowLayout({ ctx, title, heading, children }: { ctx: PageContext; title: string; heading: string; children: ComponentChildren }) {
  return (
    <Layout ctx={ctx} title={title}>
      <div class="mx-auto narrow-box">
        <h1 class="h3 text-center mb-3">{heading}</h1>
        <div class="Box p-3">{children}</div>
      </div>
    </Layout>
  );
}
