import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

export function ErrorPage({ ctx, status, title, message }: { ctx: PageContext; status: number; title: string; message: string }) {
  return (
    <Layout ctx={ctx} title={title}>
      <div class="blankslate">
        <h1 class="blankslate-heading">{title}</h1>
        <p>{message}</p>
        <p class="color-fg-muted">HTTP {status}</p>
        <p>
          <a href="/">Go to the dashboard</a>
        </p>
      </div>
    </Layout>
  );
}
