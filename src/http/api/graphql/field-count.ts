import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * How many fields an operation asks for, fragments expanded (each fragment counted once and
 * multiplied by its uses, so nested spreads cannot hide an exponential query). Run after
 * validation, which has already refused unknown fragments and fragment cycles.
 */
export function countFields(document: DocumentNode, operation: OperationDefinitionNode): number {
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const memo = new Map<string, number>();

  function fragmentCount(name: string): number {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    const count = fragment ? fieldsIn(fragment.selectionSet) : 0;
    memo.set(name, count);
    return count;
  }

  function fieldsIn(set: SelectionSetNode | undefined): number {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += 1 + fieldsIn(selection.selectionSet);
      else if (selection.kind === Kind.INLINE_FRAGMENT) total += fieldsIn(selection.selectionSet);
      else total += fragmentCount(selection.name.value);
    }
    return total;
  }

  return fieldsIn(operation.selectionSet);
}
