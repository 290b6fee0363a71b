/** A `git fast-import` stream of `count` linear commits on `ref`, each changing one file. */
export function linearHistory(count: number, ref = 'refs/heads/main', prefix = 'commit'): string {
  const parts: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let i = 1; i <= count; i++) {
    parts.push(`commit ${ref}\nmark :${i}\ncommitter Test <test@example.com> ${1700000000 + i} +0000\n`);
    parts.push(data(`${prefix} ${i}`));
    if (i > 1) parts.push(`from :${i - 1}\n`);
    parts.push(`M 644 inline file.txt\n${data(`${prefix} ${i}\n`)}`);
    parts.push(`M 644 inline dir/f${i % 10}.txt\n${data(`blob ${i}\n`)}`);
  }
  return parts.join('');
}
