/** Calls visit on every object of a json_serialize_sql tree, depth first. */
export function eachNode(node: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const child of node) eachNode(child, visit);
  else if (node !== null && typeof node === 'object') {
    visit(node as Record<string, unknown>);
    for (const child of Object.values(node)) eachNode(child, visit);
  }
}
