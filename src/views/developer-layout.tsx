import type { ComponentChildren } from 'preact';
import { DEVELOPER_NAV, SideNav } from './components.js';
import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

/** Developer settings have their own left sidebar, as on GitHub. */
export function DeveloperLayout({ ctx, title, current, children }: { ctx: PageContext; title: string; current: string; children: ComponentChildren }) {
  return (
    <Layout ctx={ctx} title={title}>
      <nav aria-label="Breadcrumb" class="mb-3">
        <a href="/settings/profile">Settings</a> / <a href="/settings/apps">Developer settings</a>
      </nav>
      <div class="d-md-flex gutter-md">
        <div class="col-md-3 mb-4">
          <SideNav items={DEVELOPER_NAV} current={current} label="Developer settings" />
        </div>
        <div class="col-md-9">{children}</div>
      </div>
    </Layout>
  );
}

export function DeveloperSettingsPage({ ctx }: { ctx: PageContext }) {
  return (
    <DeveloperLayout ctx={ctx} title="Developer settings" current="/settings/apps">
      <div class="Subhead">
        <h1 class="Subhead-heading">Developer settings</h1>
      </div>
      <p>
        <a href="/settings/tokens">Personal access tokens</a> work like passwords for Git over HTTPS and for the API. Create one
        for each script or machine, with only the scopes it needs.
      </p>
    </DeveloperLayout>
  );
}
