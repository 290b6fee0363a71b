import type { ComponentChildren } from 'preact';
import { DEVELOPER_NAV, PageHeading } from './components.js';
import { Layout, WithSideNav } from './layout.js';
import type { PageContext } from './page-context.js';

/** Developer settings have their own left sidebar, as on GitHub. */
export function DeveloperLayout({ ctx, title, current, children }: { ctx: PageContext; title: string; current: string; children: ComponentChildren }) {
  return (
    <Layout ctx={ctx} title={title}>
      <nav aria-label="Breadcrumb" class="mb-3">
        <a href="/settings/profile">Settings</a> / <a href="/settings/apps">Developer settings</a>
      </nav>
      <WithSideNav items={DEVELOPER_NAV} current={current} label="Developer settings">
        {children}
      </WithSideNav>
    </Layout>
  );
}

export function DeveloperSettingsPage({ ctx }: { ctx: PageContext }) {
  return (
    <DeveloperLayout ctx={ctx} title="Developer settings" current="/settings/apps">
      <PageHeading title="Developer settings" />
      <p>
        <a href="/settings/tokens">Personal access tokens</a> work like passwords for Git over HTTPS and for the API. Create one
        for each script or machine, with only the scopes it needs.
      </p>
    </DeveloperLayout>
  );
}
