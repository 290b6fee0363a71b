/**
 * GitHub's legacy global node ids: base64 of `0<len>:<Type><id>` (`MDQ6VXNlcjE=` is User 1). The
 * REST API and GraphQL share them, so a client can take an id from one and use it in the other.
 */
export type NodeType = 'User' | 'Organization' | 'Repository' | 'Commit' | 'Ref';

export function encodeNodeId(type: NodeType, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`, 'utf8').toString('base64');
}

/** The type and id a node id names, or null when it is not one of ours. */
export function decodeNodeId(nodeId: string): { type: string; id: string } | null {
  const text = Buffer.from(nodeId, 'base64').toString('utf8');
  const match = /^0(\d+):(.*)$/s.exec(text);
  if (!match) return null;
  const length = Number(match[1]);
  const rest = match[2]!;
  if (rest.length <= length) return null;
  return { type: rest.slice(0, length), id: rest.slice(length) };
}
