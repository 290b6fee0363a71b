export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly enabled: boolean;
  send(mail: Mail): Promise<void>;
}

/** Mail goes out through GITGATE_SMTP_URL when configured; otherwise notices live only in the web UI and the security log. */
export function createMailer(options: { smtpUrl: string | null; from: string | null }): Mailer {
  if (!options.smtpUrl) return { enabled: false, send: async () => {} };
  const smtpUrl = options.smtpUrl;
  // Loaded on first use: a site without mail never pays for it.
  let transport: Promise<{ sendMail(message: object): Promise<unknown> }> | null = null;
  const from = options.from ?? 'Gitgate <gitgate@localhost>';
  return {
    enabled: true,
    async send(mail) {
      transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl));
      await (await transport).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
