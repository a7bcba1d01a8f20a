import { createHash } from 'node:crypto';
import {
  Kind,
  TypeInfo,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import stableStringify from 'safe-stable-stringify';
import type { Context } from '../../context.ts';
import type { Actor } from '../../services/actor.ts';

/**
 * A field whose value depends on who the viewer is, not only on its role, declares
 * `extensions: { viewerSpecific: true }`: a subscription that selects one is shared only by the
 * sockets of that one user.
 */
export const VIEWER_SPECIFIC = 'viewerSpecific';

/**
 * The subscription arguments that replay history (a cursor): a subscription given one sends its
 * subscriber's own first results, so it runs on its own; without one, it starts "from now" and may
 * join a running execution. test/live-shared-execution.test.ts holds every other Subscription
 * argument to be known as not replaying.
 */
export const REPLAY_ARGUMENTS: readonly string[] = ['after'];

const viewerSpecificDocuments = new WeakMap<DocumentNode, boolean>();

/** Whether the document selects a field that declares itself viewer-specific (cached per parsed document). */
function selectsViewerSpecific(schema: GraphQLSchema, document: DocumentNode): boolean {
  let found = viewerSpecificDocuments.get(document);
  if (found !== undefined) return found;
  found = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        if (typeInfo.getFieldDef()?.extensions?.[VIEWER_SPECIFIC]) found = true;
      },
    }),
  );
  viewerSpecificDocuments.set(document, found);
  return found;
}

/** Whether the subscription's root field is given a replay argument (variables coerced as execution would). */
function replays(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown>): boolean {
  const operation = getOperationAST(document, operationName);
  const root = schema.getSubscriptionType();
  // Anything but one plain root field (fragments, directives) is left to run on its own.
  const [field, ...more] = operation?.selectionSet.selections ?? [];
  if (!operation || !root || more.length > 0 || field?.kind !== Kind.FIELD || field.directives?.length) return true;
  const def = root.getFields()[field.name.value];
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (!def || coerced.errors) return true;
  try {
    const args = getArgumentValues(def, field, coerced.coerced);
    return REPLAY_ARGUMENTS.some((name) => args[name] != null);
  } catch {
    return true;
  }
}

export interface SharedSubscription {
  key: string;
  /** The context the shared execution runs with: the starting subscriber's, reduced to what every sharer has in common. */
  context: (own: Context) => Context;
}

/**
 * Whether a subscription can be executed once for many subscribers, and under which key: the same
 * document, operation name and variables, and the same authority (role; the operator key, which
 * the auth scopes also read). Null when it must run on its own (a replay). A viewer-specific
 * selection adds the user to the key; otherwise the shared execution sees a viewer with a role and
 * no identity, so a field reading the identity without declaring it fails instead of showing one
 * user's data to another.
 */
export function sharedSubscription(
  schema: GraphQLSchema,
  document: DocumentNode,
  query: string,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  context: Context,
): SharedSubscription | null {
  if (getOperationAST(document, operationName)?.operation !== 'subscription') return null;
  if (replays(schema, document, operationName, variables ?? {})) return null;
  const perUser = selectsViewerSpecific(schema, document);
  const authority = [context.viewer?.role ?? 'anonymous', context.operator.status, perUser ? String(context.viewer?.id ?? '') : '*'];
  const key = [createHash('sha256').update(query).digest('base64url'), operationName ?? '', stableStringify(variables ?? {}), ...authority].join('\n');
  return { key, context: perUser ? (own) => own : (own) => withViewer(own, own.viewer && roleOnly(own.viewer)) };
}

/**
 * A copy of the context with another viewer. It keeps the context's prototype, where the request's
 * lazy EntityManager, loaders and logger are (src/context.ts), which a spread would drop.
 */
function withViewer(own: Context, viewer: Actor | null): Context {
  const copy = Object.create(Object.getPrototypeOf(own) as object, Object.getOwnPropertyDescriptors(own)) as Context;
  copy.viewer = viewer;
  return copy;
}

function roleOnly(viewer: Actor): Actor {
  const refuse = (): never => {
    throw new Error(`a shared subscription read the viewer's identity: declare the field extensions.${VIEWER_SPECIFIC}`);
  };
  return {
    role: viewer.role,
    get id(): number {
      return refuse();
    },
    get username(): string {
      return refuse();
    },
  };
}
