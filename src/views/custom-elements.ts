import type { JSX } from 'preact';

// The one custom element the pages use: @github/clipboard-copy-element.
declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      'clipboard-copy': JSX.HTMLAttributes<HTMLElement> & { for?: string; value?: string };
    }
  }
}
